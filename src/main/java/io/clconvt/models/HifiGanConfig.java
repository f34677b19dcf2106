package io.clconvt.models;

import io.clconvt.io.Json;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fields of an official HiFi-GAN {@code config.json} that shape the generator, checked: every list as
 * long as its partner, every size positive, the channels halving cleanly at each stage.
 */
record HifiGanConfig(String resblock, List<Integer> upsampleRates, List<Integer> upsampleKernelSizes,
        int upsampleInitialChannel, List<Integer> resblockKernelSizes, List<List<Integer>> resblockDilationSizes,
        int numMels, int samplingRate) {

    static HifiGanConfig parse(String text, String source) {
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " is not valid JSON: " + e.getMessage(), e);
        }
        if (!(parsed instanceof Map<?, ?> fields)) {
            throw new IllegalArgumentException(source + " must hold a JSON object");
        }
        String resblock = String.valueOf(required(fields, "resblock", source));
        if (!resblock.equals("1") && !resblock.equals("2")) {
            throw new IllegalArgumentException(source + ": unknown resblock type '" + resblock
                    + "' (the generator has \"1\" and \"2\")");
        }
        List<Integer> rates = integers(fields, "upsample_rates", source);
        List<Integer> kernels = integers(fields, "upsample_kernel_sizes", source);
        if (rates.size() != kernels.size() || rates.isEmpty()) {
            throw new IllegalArgumentException(source + ": upsample_rates " + rates + " and upsample_kernel_sizes "
                    + kernels + " must be non-empty and of the same length");
        }
        int channels = integer(fields, "upsample_initial_channel", source);
        if (channels % (1 << rates.size()) != 0) {
            throw new IllegalArgumentException(source + ": upsample_initial_channel " + channels
                    + " must halve " + rates.size() + " times (a multiple of " + (1 << rates.size()) + ")");
        }
        List<Integer> resblockKernels = integers(fields, "resblock_kernel_sizes", source);
        Object dilationField = required(fields, "resblock_dilation_sizes", source);
        List<List<Integer>> dilations = new ArrayList<>();
        if (dilationField instanceof List<?> outer) {
            for (Object inner : outer) {
                dilations.add(integers(inner, "resblock_dilation_sizes", source));
            }
        } else {
            throw new IllegalArgumentException(source + ": resblock_dilation_sizes must be a list of lists");
        }
        if (resblockKernels.isEmpty() || dilations.size() != resblockKernels.size()) {
            throw new IllegalArgumentException(source + ": resblock_kernel_sizes " + resblockKernels
                    + " and resblock_dilation_sizes " + dilations + " must be non-empty and of the same length");
        }
        int numMels = fields.containsKey("num_mels") ? integer(fields, "num_mels", source) : 80;
        int samplingRate = fields.containsKey("sampling_rate") ? integer(fields, "sampling_rate", source) : 22050;
        return new HifiGanConfig(resblock, rates, kernels, channels, resblockKernels, dilations, numMels,
                samplingRate);
    }

    private static Object required(Map<?, ?> fields, String name, String source) {
        Object value = fields.get(name);
        if (value == null) {
            throw new IllegalArgumentException(source + ": the field '" + name + "' is missing");
        }
        return value;
    }

    private static int integer(Map<?, ?> fields, String name, String source) {
        return toInt(required(fields, name, source), name, source);
    }

    private static List<Integer> integers(Map<?, ?> fields, String name, String source) {
        return integers(required(fields, name, source), name, source);
    }

    private static List<Integer> integers(Object value, String name, String source) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException(source + ": " + name + " must be a list of positive integers, got "
                    + value);
        }
        List<Integer> result = new ArrayList<>();
        for (Object element : list) {
            result.add(toInt(element, name, source));
        }
        return List.copyOf(result);
    }

    private static int toInt(Object value, String name, String source) {
        if (value instanceof BigInteger big && big.signum() > 0 && big.bitLength() < 31) {
            return big.intValue();
        }
        throw new IllegalArgumentException(source + ": " + name + " must hold positive integers, got " + value);
    }

    /** The samples per mel frame: the product of the upsampling rates. */
    int hopLength() {
        return upsampleRates.stream().reduce(1, Math::multiplyExact);
    }
}
