package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TextTableTest {
    @Test
    void columnsFitTheWidestCellAndNumbersAlignRight() {
        StringWriter text = new StringWriter();
        new TextTable("NAME", "MS").alignRight(1).row("first", 12.5).row("x", 3).print(new PrintWriter(text, true));
        assertEquals(String.join(System.lineSeparator(),
                "NAME     MS",
                "first  12.5",
                "x         3", ""), text.toString());
    }

    @Test
    void rowsMustHaveOneCellPerColumn() {
        assertThrows(IllegalArgumentException.class, () -> new TextTable("A", "B").row("only one"));
    }
}
