package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.clconvt.Padding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine.TypeConversionException;

class PaddingConverterTest {
    private final PaddingConverter converter = new PaddingConverter();

    @Test
    void oneIntegerPadsBothSides() {
        assertEquals(Padding.of(3), converter.convert("3"));
    }

    @Test
    void twoIntegersPadLeftAndRight() {
        assertEquals(Padding.of(2, 0), converter.convert("2,0"));
        assertEquals(Padding.of(1, 4), converter.convert("1, 4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"same", "SAME", "Same"})
    void sameInAnyCase(String text) {
        assertEquals(Padding.SAME, converter.convert(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"valid", "VALID", "vaLID"})
    void validInAnyCase(String text) {
        assertEquals(Padding.VALID, converter.convert(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "1,-2", "1,2,3", "x", "same,1", "99999999999", "1.5", ","})
    void rejectsAnythingElse(String text) {
        assertThrows(TypeConversionException.class, () -> converter.convert(text));
    }
}
