package io.clconvt.internal;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which OpenCL device to use: {@code platform:device} indices, a device-name substring, or (no
 * request) the default choice.
 *
 * @param request the raw request, null for the default
 * @param source where the request came from, for messages
 */
public record DeviceSelection(String request, String source) {
    public static final String ENVIRONMENT_VARIABLE = "CLCONVT_DEVICE";
    public static final String SYSTEM_PROPERTY = "clconvt.device";
    private static final Pattern INDEX = Pattern.compile("(\\d+):(\\d+)");

    public static DeviceSelection fromEnvironment() {
        String property = System.getProperty(SYSTEM_PROPERTY);
        if (property != null && !property.isBlank()) {
            return new DeviceSelection(property.trim(), "system property " + SYSTEM_PROPERTY);
        }
        String variable = System.getenv(ENVIRONMENT_VARIABLE);
        if (variable != null && !variable.isBlank()) {
            return new DeviceSelection(variable.trim(), "environment variable " + ENVIRONMENT_VARIABLE);
        }
        return new DeviceSelection(null, "default");
    }

    /** Whether {@code device} is the one requested; only meaningful when a request was made. */
    public boolean matches(DeviceCapabilities device) {
        Matcher index = INDEX.matcher(request);
        if (index.matches()) {
            return device.index().equals(Integer.parseInt(index.group(1)) + ":" + Integer.parseInt(index.group(2)));
        }
        return device.name().toLowerCase().contains(request.toLowerCase());
    }
}
