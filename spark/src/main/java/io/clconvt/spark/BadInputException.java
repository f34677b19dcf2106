package io.clconvt.spark;

/** An input the job cannot decode; the message starts with the file or row it came from. */
public final class BadInputException extends IllegalArgumentException {
    public BadInputException(String source, Throwable cause) {
        super("bad input " + source + ": " + withoutSource(source, String.valueOf(cause.getMessage())), cause);
    }

    public BadInputException(String source, String problem) {
        super("bad input " + source + ": " + problem);
    }

    /** The library's readers start their messages with the file's name, which this message already starts with. */
    private static String withoutSource(String source, String message) {
        return message.startsWith(source + ": ") ? message.substring(source.length() + 2) : message;
    }
}
