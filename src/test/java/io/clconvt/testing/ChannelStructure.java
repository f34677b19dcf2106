package io.clconvt.testing;

import java.util.SplittableRandom;

/**
 * The channels of a randomly drawn layer, shared by the seeded random-configuration tests: depthwise
 * (one input channel per group, possibly a channel multiplier), grouped, or dense.
 */
public record ChannelStructure(int groups, int groupIn, int groupOut) {
    /**
     * Draws one of {@code kinds} structures (0 depthwise with up to {@code depthwiseGroups} groups, 1
     * grouped, the rest dense), consuming {@code random} the same way for the same arguments.
     */
    public static ChannelStructure draw(SplittableRandom random, int kinds, int depthwiseGroups) {
        return switch (random.nextInt(kinds)) {
            case 0 -> new ChannelStructure(1 + random.nextInt(depthwiseGroups), 1, 1 + random.nextInt(2));
            case 1 -> new ChannelStructure(2 + random.nextInt(3), 1 + random.nextInt(4), 1 + random.nextInt(4));
            default -> new ChannelStructure(1, 1 + random.nextInt(9), 1 + random.nextInt(9));
        };
    }
}
