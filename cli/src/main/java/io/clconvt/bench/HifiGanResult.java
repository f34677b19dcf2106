package io.clconvt.bench;

/**
 * One HiFi-GAN timing: a whole mel to audio, host to host, and streaming it in pushes.
 *
 * @param name the config, e.g. {@code v1}
 * @param frames the mel frames of each whole call
 * @param samples the audio samples each whole call returns
 * @param firstMs the first call, program builds and weight uploads included
 * @param medianMs median of the timed calls after the warm-up
 * @param runs how many calls were timed
 * @param pushMedianMs median host-to-host time of one push of {@code framesPerPush} frames
 * @param samplesPerPush the samples the last timed push returned (frames per push times the hop once the
 *     stream is in its steady state)
 * @param heldBackSamples the audio the pushes so far have not returned yet: the generator's look-ahead
 */
public record HifiGanResult(String name, String device, int frames, int samples, int samplingRate, double firstMs,
        double medianMs, double minMs, int runs, int framesPerPush, double pushMedianMs, double pushMinMs,
        int samplesPerPush, long heldBackSamples) {

    /** The seconds of audio each whole call makes. */
    public double audioSeconds() {
        return (double) samples / samplingRate;
    }

    /** Compute milliseconds per second of audio (median call). */
    public double msPerAudioSecond() {
        return medianMs / audioSeconds();
    }

    /** Seconds of audio made per second of compute (median call); above 1 is faster than real time. */
    public double realTimeFactor() {
        return audioSeconds() * 1000 / medianMs;
    }
}
