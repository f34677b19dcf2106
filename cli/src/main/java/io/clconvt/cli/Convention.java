package io.clconvt.cli;

import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.compat.CoreCall;
import io.clconvt.compat.Paddle;
import io.clconvt.compat.TensorFlow;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.TypeConversionException;

/**
 * Whose argument forms and rules {@code run --convention} follows. Each turns the command's options into
 * the core call through the framework's front end in {@code io.clconvt.compat}, so a framework's errors
 * come out in its own words (exit 2).
 */
enum Convention {
    /**
     * The library's own parameters, which are PyTorch's ConvTranspose1d semantics plus SAME / VALID,
     * asymmetric L,R padding and the NLC layout; weight (Cin, Cout/groups, K).
     */
    TORCH {
        @Override
        CoreCall translate(RunArguments a, Tensor x, Tensor w, Tensor b) {
            ConvTranspose1dParams.Builder params = ConvTranspose1dParams.builder().stride(a.stride())
                    .padding(torchPadding(a.padding())).outputPadding(a.outputPadding()).dilation(a.dilation())
                    .groups(a.groups()).layout(torchLayout(a.layout()));
            if (a.outputSize() != null) {
                params.outputSize(a.outputSize());
            }
            return new CoreCall(x, w, b, params.build());
        }
    },
    /** paddle.nn.functional.conv1d_transpose: Paddle's SAME rule, NCL or NLC, weight (Cin, Cout/groups, K). */
    PADDLE {
        @Override
        CoreCall translate(RunArguments a, Tensor x, Tensor w, Tensor b) {
            String dataFormat = a.layout() == null ? "NCL" : a.layout().toUpperCase(Locale.ROOT);
            return Paddle.translate(x, w, b, a.stride(), paddlePadding(a.padding()), a.outputPadding(), a.groups(),
                    a.dilation(), a.outputSize(), dataFormat);
        }
    },
    /**
     * tf.nn.conv1d_transpose: filters (K, Cout, Cin), NWC (default) or NCW, SAME (default) or VALID, and the
     * output width from --output-size; no bias, groups or output padding.
     */
    TENSORFLOW {
        @Override
        CoreCall translate(RunArguments a, Tensor x, Tensor w, Tensor b) {
            requireAbsent(b != null, "--bias", "tf.nn.conv1d_transpose has no bias");
            requireAbsent(a.groups() != 1, "--groups", "tf.nn.conv1d_transpose has no groups");
            requireAbsent(a.outputPadding() != 0, "--output-padding",
                    "tf.nn.conv1d_transpose takes the output width from --output-size");
            if (a.outputSize() == null) {
                throw new IllegalArgumentException("--convention tensorflow needs --output-size: the output width, "
                        + "which tf.nn.conv1d_transpose takes from output_shape");
            }
            String dataFormat = tensorFlowDataFormat(a.layout());
            String padding = a.padding() == null ? "SAME" : a.padding().strip().toUpperCase(Locale.ROOT);
            return TensorFlow.translate(x, w, outputShape(x, w, a.outputSize(), dataFormat), a.stride(), padding,
                    dataFormat, a.dilation());
        }
    };

    private static final Pattern PADDLE_AMOUNTS = Pattern.compile("(-?\\d+)(?:,(-?\\d+))?");

    /** The options of {@code run} that describe the convolution, as given (null where not given). */
    record RunArguments(int stride, String padding, int outputPadding, int dilation, int groups, String layout,
            Integer outputSize) {
    }

    /**
     * Validates the options and tensors by the convention's rules and returns the core call to run.
     *
     * @throws IllegalArgumentException with the framework's message for anything it would reject
     */
    abstract CoreCall translate(RunArguments arguments, Tensor x, Tensor w, Tensor b);

    static Padding torchPadding(String text) {
        try {
            return new PaddingConverter().convert(text == null ? "0" : text);
        } catch (TypeConversionException e) {
            throw new IllegalArgumentException("invalid --padding: " + e.getMessage(), e);
        }
    }

    static Layout torchLayout(String text) {
        String name = text == null ? "NCL" : text.strip().toUpperCase(Locale.ROOT);
        return switch (name) {
            case "NCL" -> Layout.NCL;
            case "NLC" -> Layout.NLC;
            default -> throw new IllegalArgumentException("invalid --layout '" + text + "': expected NCL or NLC");
        };
    }

    /** Paddle's padding argument: an Integer, an int[] {left, right}, or the text for Paddle to judge. */
    private static Object paddlePadding(String text) {
        if (text == null) {
            return 0;
        }
        String compact = text.replace(" ", "");
        Matcher amounts = PADDLE_AMOUNTS.matcher(compact);
        if (!amounts.matches()) {
            return text.strip(); // SAME / VALID in any case, or a word Paddle rejects in its own words
        }
        try {
            int left = Integer.parseInt(amounts.group(1));
            return amounts.group(2) == null ? (Object) left : new int[] {left, Integer.parseInt(amounts.group(2))};
        } catch (NumberFormatException tooLarge) {
            throw new IllegalArgumentException("invalid --padding '" + text + "': the amounts do not fit in an int",
                    tooLarge);
        }
    }

    /** NWC and NCW, with the library's names NLC and NCL accepted for the same layouts. */
    private static String tensorFlowDataFormat(String text) {
        String name = text == null ? "NWC" : text.strip().toUpperCase(Locale.ROOT);
        return switch (name) {
            case "NWC", "NLC" -> "NWC";
            case "NCW", "NCL" -> "NCW";
            default -> name; // TensorFlow rejects it in its own words
        };
    }

    /** output_shape from the input's batch, the filters' output channels and the requested width. */
    private static int[] outputShape(Tensor x, Tensor filters, int width, String dataFormat) {
        if (x.rank() != 3 || filters.rank() != 3) {
            return new int[] {width}; // TensorFlow names the wrong rank before it looks at output_shape
        }
        return dataFormat.equals("NCW") ? new int[] {x.dim(0), filters.dim(1), width}
                : new int[] {x.dim(0), width, filters.dim(1)};
    }

    private static void requireAbsent(boolean present, String option, String why) {
        if (present) {
            throw new IllegalArgumentException("--convention tensorflow does not take " + option + ": " + why);
        }
    }
}
