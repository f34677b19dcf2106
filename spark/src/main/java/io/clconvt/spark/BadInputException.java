package io.clconvt.spark;

/** An input the job cannot decode; the message starts with the file or row it came from. */
public final class BadInputException extends IllegalArgumentException {
    public BadInputException(String source, Throwable cause) {
        super("bad input " + source + ": " + cause.getMessage(), cause);
    }

    public BadInputException(String source, String problem) {
        super("bad input " + source + ": " + problem);
    }
}
