package io.clconvt.cli;

import io.clconvt.Padding;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses {@code --padding}: {@code P} on both sides, {@code L,R}, or SAME / VALID in any case. */
final class PaddingConverter implements ITypeConverter<Padding> {
    private static final Pattern AMOUNTS = Pattern.compile("(\\d+)(?:,(\\d+))?");

    @Override
    public Padding convert(String value) {
        String text = value.replace(" ", "");
        if (text.equalsIgnoreCase("same")) {
            return Padding.SAME;
        }
        if (text.equalsIgnoreCase("valid")) {
            return Padding.VALID;
        }
        Matcher amounts = AMOUNTS.matcher(text);
        if (amounts.matches()) {
            try {
                int left = Integer.parseInt(amounts.group(1));
                return amounts.group(2) == null ? Padding.of(left)
                        : Padding.of(left, Integer.parseInt(amounts.group(2)));
            } catch (NumberFormatException tooLarge) {
                // falls through to the message below
            }
        }
        throw new TypeConversionException("'" + value + "' is not a padding; expected a non-negative integer P, "
                + "two of them as L,R, SAME or VALID");
    }
}
