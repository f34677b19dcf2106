package io.clconvt.spark;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Spark's GPU discovery script output for this machine's OpenCL GPUs, {@code {"name": "gpu", "addresses": [...]}}:
 * the addresses {@link GpuAddressMapping} maps back to the same devices (PCI addresses where every GPU reports one,
 * else numbers). spark/discover-opencl-gpus.sh runs it; with {@code --verbose} it also lists, on stderr, every device
 * and the address that reaches it.
 */
public final class GpuDiscovery {
    private GpuDiscovery() {
    }

    public static void main(String[] args) {
        List<OpenClDeviceDescription> devices = OpenClDevices.describeAll();
        List<String> addresses = GpuAddressMapping.discoveryAddresses(devices);
        if (args.length > 0 && args[0].equals("--verbose")) {
            for (String address : addresses) {
                System.err.println(address + " -> " + GpuAddressMapping.choose(address, devices));
            }
            System.err.println("all devices: " + devices);
        }
        System.out.println(json(addresses));
    }

    static String json(List<String> addresses) {
        return "{\"name\": \"gpu\", \"addresses\": ["
                + addresses.stream().map(a -> "\"" + a + "\"").collect(Collectors.joining(", ")) + "]}";
    }
}
