package io.clconvt.io;

/**
 * A file is not a .npy file this library reads: bad magic, an unsupported version, dtype or memory
 * order, or a malformed or inconsistent header. The message starts with the file name and says what
 * is wrong. It is an {@link IllegalArgumentException} because the file is invalid input, not an I/O
 * failure.
 */
public class NpyFormatException extends IllegalArgumentException {
    NpyFormatException(String file, String problem) {
        super(file + ": " + problem);
    }
}
