package io.clconvt.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The address-to-device rule on made-up machines. */
class GpuAddressMappingTest {
    private static OpenClDeviceDescription gpu(String index, String name, String pci) {
        return new OpenClDeviceDescription(index, "platform " + index.charAt(0), name, true,
                pci == null ? null : PciAddress.parse(pci));
    }

    private static OpenClDeviceDescription cpu(String index) {
        return new OpenClDeviceDescription(index, "platform " + index.charAt(0), "cpu", false, null);
    }

    /** Four GPUs that the driver lists out of bus order, as NVIDIA's OpenCL may (its default is fastest first). */
    private static final List<OpenClDeviceDescription> SERVER = List.of(cpu("0:0"),
            gpu("1:0", "B", "0000:5e:00.0"), gpu("1:1", "A", "0000:3b:00.0"),
            gpu("1:2", "D", "0000:d8:00.0"), gpu("1:3", "C", "0000:af:00.0"));

    @Test
    void noAddressMeansTheDefaultDevice() {
        assertNull(GpuAddressMapping.choose(null, SERVER));
        assertNull(GpuAddressMapping.choose(" ", SERVER));
        assertNull(GpuAddressMapping.choose(null, List.of(cpu("0:0"))));
    }

    @Test
    void withBusIdsANumberCountsInBusOrderAsNvidiaSmiDoes() {
        assertEquals("1:1", GpuAddressMapping.choose("0", SERVER).index());
        assertEquals("1:0", GpuAddressMapping.choose("1", SERVER).index());
        assertEquals("1:3", GpuAddressMapping.choose("2", SERVER).index());
        assertEquals("1:2", GpuAddressMapping.choose("3", SERVER).index());
    }

    @Test
    void aPciAddressPicksTheGpuReportingIt() {
        assertEquals("1:3", GpuAddressMapping.choose("0000:af:00.0", SERVER).index());
        assertEquals("1:3", GpuAddressMapping.choose("00000000:AF:00.0", SERVER).index()); // nvidia-smi's spelling
        assertEquals("1:1", GpuAddressMapping.choose("3b:00.0", SERVER).index());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GpuAddressMapping.choose("0000:01:00.0", SERVER));
        assertTrue(e.getMessage().contains("0000:01:00.0") && e.getMessage().contains("1:2 D"), e.getMessage());
    }

    @Test
    void withoutBusIdsANumberCountsThePlatformsGpusInItsOrder() {
        List<OpenClDeviceDescription> devices = List.of(gpu("0:0", "X", null), gpu("0:1", "Y", "0000:02:00.0"),
                cpu("1:0"));
        assertEquals("0:0", GpuAddressMapping.choose("0", devices).index());
        assertEquals("0:1", GpuAddressMapping.choose("1", devices).index());
        assertEquals(List.of("0", "1"), GpuAddressMapping.discoveryAddresses(devices));
    }

    @Test
    void numbersCountThePlatformWithTheMostGpus() {
        List<OpenClDeviceDescription> devices = List.of(gpu("0:0", "integrated", null),
                gpu("1:0", "discrete 0", null), gpu("1:1", "discrete 1", null));
        assertEquals("1:0", GpuAddressMapping.choose("0", devices).index());
        assertEquals("1:1", GpuAddressMapping.choose("1", devices).index());
    }

    @Test
    void moreSparkAddressesThanGpusIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GpuAddressMapping.choose("4", SERVER));
        assertTrue(e.getMessage().contains("address 4") && e.getMessage().contains("only 4 GPUs"), e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> GpuAddressMapping.choose("0", List.of(cpu("0:0"))));
        assertTrue(none.getMessage().contains("no GPU"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GpuAddressMapping.choose("-1", SERVER));
        IllegalArgumentException garbage = assertThrows(IllegalArgumentException.class,
                () -> GpuAddressMapping.choose("gpu0", SERVER));
        assertTrue(garbage.getMessage().contains("'gpu0'"), garbage.getMessage());
    }

    @Test
    void discoveryPrintsAddressesThatMapBackToEachGpuOnce() {
        List<String> addresses = GpuAddressMapping.discoveryAddresses(SERVER);
        assertEquals(List.of("0000:3b:00.0", "0000:5e:00.0", "0000:af:00.0", "0000:d8:00.0"), addresses);
        assertEquals(List.of("1:1", "1:0", "1:3", "1:2"),
                addresses.stream().map(a -> GpuAddressMapping.choose(a, SERVER).index()).toList());
        assertEquals("{\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}", GpuDiscovery.json(List.of("0", "1")));
        assertEquals(List.of(), GpuAddressMapping.discoveryAddresses(List.of(cpu("0:0"))));
    }
}
