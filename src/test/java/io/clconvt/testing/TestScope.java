package io.clconvt.testing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * How much of the slow, exhaustive test sets a build runs. A new program (kernel source and build options)
 * costs POCL about a second of one core to compile with its kernel cache empty, and the full sets compile
 * some thousands. The default build therefore runs a deterministic sample of each such set, chosen so that
 * every feature still meets every implementation; the system property {@value #PROPERTY}{@code =true}
 * ({@code mvn -Pexhaustive}, which {@code .ci/run} runs after the default build) runs every set in full.
 * Child JVMs inherit the scope ({@link ChildJvm}).
 *
 * <p>Every choice here is a function of its arguments alone (seeds, indices, the items' order): a failure
 * in the default build reproduces with the same command, and the sampled cases are a subset of the
 * exhaustive ones.
 */
public final class TestScope {
    /** The system property that selects the exhaustive scope. */
    public static final String PROPERTY = "clconvt.exhaustive";

    private TestScope() {
    }

    /** Whether this run is the exhaustive one ({@code -D}{@value #PROPERTY}{@code =true}). */
    public static boolean exhaustive() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** {@code full} in the exhaustive scope, else {@code sampled} (at most {@code full}). */
    public static int size(int full, int sampled) {
        return exhaustive() ? full : Math.min(full, sampled);
    }

    /**
     * Whether the default build runs choice {@code choice} (of {@code choices}) for item {@code item} of a
     * product of items and choices: all in the exhaustive scope, else the choice whose number is the item's
     * modulo {@code choices}. Each item still meets one choice and, over consecutive items, each choice
     * meets a {@code 1/choices} share of them, at that share of the programs.
     */
    public static boolean rotation(int item, int choice, int choices) {
        return exhaustive() || Math.floorMod(item, choices) == choice;
    }

    /**
     * {@code count} of {@code items} chosen by {@code seed}, in their original order: all of them in the
     * exhaustive scope or when there are no more than {@code count}.
     */
    public static <T> List<T> sample(List<T> items, int count, long seed) {
        if (exhaustive() || items.size() <= count) {
            return List.copyOf(items);
        }
        boolean[] chosen = new boolean[items.size()];
        SplittableRandom random = new SplittableRandom(seed);
        for (int left = count; left > 0; ) {
            int index = random.nextInt(items.size());
            if (!chosen[index]) {
                chosen[index] = true;
                left--;
            }
        }
        List<T> sample = new ArrayList<>(count);
        for (int i = 0; i < items.size(); i++) {
            if (chosen[i]) {
                sample.add(items.get(i));
            }
        }
        return sample;
    }

    /**
     * The indices of {@code items} that a set covering every feature keeps, in order: an item is kept when
     * it has a feature ({@code features}' values, compared with {@code equals}) that no item kept before it
     * has. Every feature of the whole set is then met at least once, in a fraction of the items. Does not
     * look at the scope: callers run every item in the exhaustive scope.
     */
    public static <T> Set<Integer> covering(List<T> items, Function<? super T, ? extends Collection<?>> features) {
        Set<Object> covered = new HashSet<>();
        Set<Integer> kept = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            if (covered.addAll(features.apply(items.get(i)))) {
                kept.add(i);
            }
        }
        return kept;
    }
}
