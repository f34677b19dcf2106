package io.clconvt.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the Python dict literal of a .npy header, e.g.
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }}.
 *
 * <p>numpy reads the header with {@code ast.literal_eval}, so writers differ in key order, quotes,
 * spacing and trailing commas; this accepts the literal subset such headers use: strings, True and
 * False, integers (with Python 2's {@code L} suffix), tuples and lists. Values come back as String,
 * Boolean, BigInteger (so that an absurd dimension is reported rather than overflowing) and
 * {@code List<Object>}. A parenthesised value without a comma is that value, not a tuple, as in
 * Python.
 */
final class HeaderParser {
    /** How much of the header a message quotes; real headers are about 70 characters. */
    private static final int QUOTED_LENGTH = 100;

    private final String file;
    private final String text;
    private int pos;

    private HeaderParser(String file, String text) {
        this.file = file;
        this.text = text;
    }

    /**
     * The header's dict, keys in file order.
     *
     * @param file the file name that messages start with
     * @throws NpyFormatException if the text is not one dict literal, or a key repeats
     */
    static Map<String, Object> parse(String file, String text) {
        HeaderParser parser = new HeaderParser(file, text);
        Map<String, Object> dict = parser.dict();
        parser.skipWhitespace();
        if (parser.pos != text.length()) {
            throw parser.malformed("unexpected text after the closing '}'");
        }
        return dict;
    }

    private Map<String, Object> dict() {
        expect('{');
        Map<String, Object> entries = new LinkedHashMap<>();
        while (!consume('}')) {
            skipWhitespace();
            if (!atQuote()) {
                throw malformed("expected a quoted key or '}'");
            }
            String key = string();
            expect(':');
            if (entries.put(key, value()) != null) {
                throw malformed("key '" + key + "' appears twice");
            }
            if (!consume(',')) {
                expect('}');
                break;
            }
        }
        return entries;
    }

    private Object value() {
        skipWhitespace();
        if (atQuote()) {
            return string();
        }
        if (consume('(')) {
            return sequence(')', true);
        }
        if (consume('[')) {
            return sequence(']', false);
        }
        if (text.startsWith("True", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        return integer();
    }

    /** The items up to {@code close}; for a tuple, "(x)" without a comma is just x. */
    private Object sequence(char close, boolean tuple) {
        List<Object> items = new ArrayList<>();
        boolean sawComma = false;
        while (!consume(close)) {
            items.add(value());
            if (consume(',')) {
                sawComma = true;
            } else {
                expect(close);
                break;
            }
        }
        return tuple && items.size() == 1 && !sawComma ? items.get(0) : items;
    }

    private String string() {
        char quote = text.charAt(pos++);
        StringBuilder s = new StringBuilder();
        while (pos < text.length() && text.charAt(pos) != quote) {
            char c = text.charAt(pos++);
            // A backslash escapes the next character; dtype strings never need more than that.
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            s.append(c);
        }
        if (pos == text.length()) {
            throw malformed("unterminated string");
        }
        pos++;
        return s.toString();
    }

    private BigInteger integer() {
        int start = pos;
        if (pos < text.length() && text.charAt(pos) == '-') {
            pos++;
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        if (pos == digits) {
            pos = start;
            throw malformed("expected a string, True, False, an integer, a tuple or a list");
        }
        BigInteger value = new BigInteger(text.substring(start, pos));
        if (pos < text.length() && text.charAt(pos) == 'L') {
            pos++;
        }
        return value;
    }

    private boolean atQuote() {
        return pos < text.length() && (text.charAt(pos) == '\'' || text.charAt(pos) == '"');
    }

    private void skipWhitespace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    /** Skips whitespace, then consumes {@code c} if it is next. */
    private boolean consume(char c) {
        skipWhitespace();
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (!consume(c)) {
            throw malformed("expected '" + c + "'");
        }
    }

    private NpyFormatException malformed(String problem) {
        return new NpyFormatException(file, "malformed header: " + problem + " at character " + pos + " of "
                + quote(text));
    }

    /** The header as a one-line message fragment: control characters escaped, long headers cut. */
    private static String quote(String header) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < header.length() && i < QUOTED_LENGTH; i++) {
            char c = header.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                s.append(String.format("\\x%02x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append(header.length() > QUOTED_LENGTH ? "...\"" : "\"").toString();
    }
}
