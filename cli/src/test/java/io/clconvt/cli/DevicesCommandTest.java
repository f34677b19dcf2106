package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backends;
import io.clconvt.DeviceInfo;
import io.clconvt.testing.OpenClSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesCommandTest {
    @Test
    void listsEveryDevice() {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        List<DeviceInfo> devices = Backends.openClDevices();

        CliResult result = CliResult.run("devices");

        assertEquals(0, result.exitCode(), result::toString);
        for (DeviceInfo device : devices) {
            String row = result.out().lines().filter(line -> line.startsWith(device.index() + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for " + device.index() + " in\n" + result.out()));
            assertTrue(row.contains(device.platform()) && row.contains(device.name())
                    && row.contains(String.valueOf(device.maxAllocationBytes() / (1024 * 1024))), row);
        }
        assertTrue(result.out().contains("CLCONVT_DEVICE"), result.out());
    }
}
