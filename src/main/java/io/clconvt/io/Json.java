package io.clconvt.io;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict JSON reader for the small headers of weight files (RFC 8259), so that the library needs no JSON
 * dependency. Objects become {@link LinkedHashMap}s in file order, arrays {@link List}s, integers
 * {@link BigInteger}s, other numbers {@link Double}s; {@code null} becomes {@link #NULL}. Any syntax error,
 * duplicate key or nesting deeper than {@value #MAX_DEPTH} throws {@link IllegalArgumentException} naming the
 * offset, never a stack overflow.
 */
public final class Json {
    /** JSON's null, distinct from an absent key. */
    public static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    private static final int MAX_DEPTH = 64;
    /** Far beyond any offset or dimension; keeps a hostile header from making BigInteger parse megabytes. */
    private static final int MAX_NUMBER_LENGTH = 100;

    private final String text;
    private int position;

    private Json(String text) {
        this.text = text;
    }

    /**
     * Parses one JSON value: an object, array, string, number, boolean or null as the class description maps them.
     *
     * @throws IllegalArgumentException naming the offset of the first error
     */
    public static Object parse(String text) {
        Json json = new Json(text);
        Object value = json.value(0);
        json.skipWhitespace();
        if (json.position != text.length()) {
            throw json.fail("unexpected text after the value");
        }
        return value;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw fail("nested deeper than " + MAX_DEPTH + " levels");
        }
        skipWhitespace();
        if (position >= text.length()) {
            throw fail("unexpected end of text");
        }
        char c = text.charAt(position);
        return switch (c) {
            case '{' -> object(depth);
            case '[' -> array(depth);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    yield number();
                }
                throw fail("unexpected character '" + c + "'");
            }
        };
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> members = new LinkedHashMap<>();
        position++;
        skipWhitespace();
        if (peek() == '}') {
            position++;
            return members;
        }
        while (true) {
            skipWhitespace();
            if (peek() != '"') {
                throw fail("expected a quoted key");
            }
            int keyAt = position;
            String key = string();
            skipWhitespace();
            expect(':');
            if (members.put(key, value(depth + 1)) != null) {
                position = keyAt;
                throw fail("duplicate key \"" + key + "\"");
            }
            skipWhitespace();
            if (peek() == ',') {
                position++;
            } else {
                expect('}');
                return members;
            }
        }
    }

    private List<Object> array(int depth) {
        List<Object> elements = new ArrayList<>();
        position++;
        skipWhitespace();
        if (peek() == ']') {
            position++;
            return elements;
        }
        while (true) {
            elements.add(value(depth + 1));
            skipWhitespace();
            if (peek() == ',') {
                position++;
            } else {
                expect(']');
                return elements;
            }
        }
    }

    private String string() {
        position++;
        StringBuilder s = new StringBuilder();
        while (true) {
            if (position >= text.length()) {
                throw fail("unterminated string");
            }
            char c = text.charAt(position++);
            if (c == '"') {
                return s.toString();
            }
            if (c < 0x20) {
                throw fail("control character in a string");
            }
            if (c != '\\') {
                s.append(c);
                continue;
            }
            if (position >= text.length()) {
                throw fail("unterminated string");
            }
            char escape = text.charAt(position++);
            switch (escape) {
                case '"', '\\', '/' -> s.append(escape);
                case 'b' -> s.append('\b');
                case 'f' -> s.append('\f');
                case 'n' -> s.append('\n');
                case 'r' -> s.append('\r');
                case 't' -> s.append('\t');
                case 'u' -> {
                    if (position + 4 > text.length()) {
                        throw fail("truncated \\u escape");
                    }
                    try {
                        s.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
                    } catch (NumberFormatException e) {
                        throw fail("malformed \\u escape");
                    }
                    position += 4;
                }
                default -> throw fail("unknown escape \\" + escape);
            }
        }
    }

    private Object number() {
        int start = position;
        if (peek() == '-') {
            position++;
        }
        boolean integral = true;
        int digits = skipDigits();
        if (digits == 0 || (digits > 1 && text.charAt(position - digits) == '0')) {
            throw fail("malformed number");
        }
        if (peek() == '.') {
            integral = false;
            position++;
            if (skipDigits() == 0) {
                throw fail("malformed number");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            position++;
            if (peek() == '+' || peek() == '-') {
                position++;
            }
            if (skipDigits() == 0) {
                throw fail("malformed number");
            }
        }
        if (position - start > MAX_NUMBER_LENGTH) {
            position = start;
            throw fail("number longer than " + MAX_NUMBER_LENGTH + " characters");
        }
        String literal = text.substring(start, position);
        return integral ? new BigInteger(literal) : (Object) Double.valueOf(literal);
    }

    private int skipDigits() {
        int start = position;
        while (position < text.length() && text.charAt(position) >= '0' && text.charAt(position) <= '9') {
            position++;
        }
        return position - start;
    }

    private Object literal(String word, Object value) {
        if (!text.startsWith(word, position)) {
            throw fail("unexpected token");
        }
        position += word.length();
        return value;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw fail("expected '" + c + "'");
        }
        position++;
    }

    private char peek() {
        return position < text.length() ? text.charAt(position) : '\0';
    }

    private void skipWhitespace() {
        while (position < text.length()) {
            char c = text.charAt(position);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            position++;
        }
    }

    private IllegalArgumentException fail(String problem) {
        return new IllegalArgumentException("malformed JSON at offset " + position + ": " + problem);
    }
}
