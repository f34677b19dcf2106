package io.clconvt.spark;

import java.io.Serializable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI address, {@code domain:bus:device.function}, as {@code lspci -D}, {@code nvidia-smi} and
 * {@code rocm-smi} print it ({@code 0000:3b:00.0}); Spark's GPU addresses may be written this way.
 */
public record PciAddress(int domain, int bus, int device, int function) implements Serializable, Comparable<PciAddress> {
    /** nvidia-smi prints an 8-digit domain ({@code 00000000:3B:00.0}); lspci 4 digits; both parse. */
    private static final Pattern FORM = Pattern.compile("(?:([0-9a-fA-F]{1,8}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\\.([0-7])");

    public PciAddress {
        if (domain < 0 || bus < 0 || bus > 0xff || device < 0 || device > 0x1f || function < 0 || function > 7) {
            throw new IllegalArgumentException("PCI address out of range: domain " + domain + ", bus " + bus
                    + ", device " + device + ", function " + function);
        }
    }

    /** Whether {@code text} is written as a PCI address rather than, say, an index. */
    public static boolean looksLikeOne(String text) {
        return FORM.matcher(text.trim()).matches();
    }

    /**
     * @throws IllegalArgumentException if {@code text} is not {@code [domain:]bus:device.function} in hexadecimal
     */
    public static PciAddress parse(String text) {
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a PCI address (domain:bus:device.function, hexadecimal): '" + text + "'");
        }
        int domain = m.group(1) == null ? 0 : (int) Long.parseLong(m.group(1), 16);
        return new PciAddress(domain, Integer.parseInt(m.group(2), 16), Integer.parseInt(m.group(3), 16),
                Integer.parseInt(m.group(4)));
    }

    @Override
    public int compareTo(PciAddress other) {
        int c = Integer.compareUnsigned(domain, other.domain);
        if (c == 0) {
            c = Integer.compare(bus, other.bus);
        }
        if (c == 0) {
            c = Integer.compare(device, other.device);
        }
        return c != 0 ? c : Integer.compare(function, other.function);
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
    }
}
