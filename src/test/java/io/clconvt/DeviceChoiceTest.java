package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.DeviceSelection;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Choosing the OpenCL device in code: {@link Backends#openCl(String)} and {@link Backends#openCl(DeviceInfo)}, two
 * backends on two devices computing at once, and {@link Backends#auto()} refusing a requested device that is not
 * there (the cli build's RunDeviceChoiceTest checks the same through the command line). POCL exposes two devices
 * only when {@code POCL_DEVICES} is set before the OpenCL runtime loads, so those checks run in a child JVM
 * started with it.
 */
class DeviceChoiceTest {
    @TempDir
    Path dir;

    @Test
    void selectorsAndDeviceInfoOpenTheNamedDevice() throws ReflectiveOperationException {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        DeviceInfo first = Backends.openClDevices().get(0);
        try (Backend byIndex = Backends.openCl(first.index());
                Backend byName = Backends.openCl(first.name().substring(0, 4).toLowerCase());
                Backend byInfo = Backends.openCl(first)) {
            for (Backend backend : List.of(byIndex, byName, byInfo)) {
                assertTrue(backend.describe().contains(first.name()), backend.describe());
            }
        }
        OpenClException none = assertThrows(OpenClException.class, () -> Backends.openCl("no-such-device-xyz"));
        assertTrue(none.getMessage().contains("'no-such-device-xyz' matches none of")
                && none.getMessage().contains(first.index() + " " + first.name()), none.getMessage());
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class, () -> Backends.openCl(" "));
        assertTrue(blank.getMessage().contains("selector"), blank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backends.openCl((DeviceInfo) null));
        DeviceInfo gone = renamed(first, "7:7", "Imaginary GPU");
        OpenClException absent = assertThrows(OpenClException.class, () -> Backends.openCl(gone));
        assertTrue(absent.getMessage().contains("7:7 Imaginary GPU is not present")
                && absent.getMessage().contains(first.index()), absent.getMessage());
    }

    /** {@code device} with another index and name, whatever other components DeviceInfo has. */
    private static DeviceInfo renamed(DeviceInfo device, String index, String name) throws ReflectiveOperationException {
        RecordComponent[] components = DeviceInfo.class.getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = switch (components[i].getName()) {
                case "index" -> index;
                case "name" -> name;
                default -> components[i].getAccessor().invoke(device);
            };
        }
        Class<?>[] types = Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new);
        return DeviceInfo.class.getDeclaredConstructor(types).newInstance(values);
    }

    @Test
    void twoDevicesServeTwoBackendsAtOnce() throws Exception {
        OpenClSupport.backend().close();
        Map<String, String> environment = new HashMap<>();
        environment.put("POCL_DEVICES", "pthread pthread");
        environment.put("CLCONVT_DEVICE", null);
        ChildJvm.Result result = ChildJvm.run(300, environment, List.of(), TwoDevices.class);
        String output = result.toString();
        assertEquals(0, result.exitCode(), output);
        assertTrue(output.contains("devices: 2 or more"), output);
        assertTrue(output.contains("concurrent: ok"), output);
        assertTrue(output.contains("auto refuses: ok"), output);
    }

    /** The child: runs with POCL_DEVICES="pthread pthread"; any failed check exits non-zero with its message. */
    static final class TwoDevices {
        public static void main(String[] args) throws Exception {
            List<DeviceInfo> devices = Backends.openClDevices();
            if (devices.size() < 2) {
                throw new AssertionError("POCL_DEVICES=\"pthread pthread\" should give two devices: " + devices);
            }
            System.out.println("devices: 2 or more " + devices.stream().map(DeviceInfo::index).toList());
            try (Backend first = Backends.openCl(devices.get(0));
                    Backend second = Backends.openCl(devices.get(1).index());
                    Backend cpu = Backends.cpu()) {
                assertTrue(first.describe().contains(devices.get(0).name()), first.describe());
                ExecutorService pool = Executors.newFixedThreadPool(2);
                try {
                    List<Future<?>> runs = new ArrayList<>();
                    for (Backend backend : List.of(first, second)) {
                        runs.add(pool.submit(() -> computeAndCompare(backend, cpu, backend == first ? 1 : 2)));
                    }
                    for (Future<?> run : runs) {
                        run.get(240, TimeUnit.SECONDS);
                    }
                } finally {
                    pool.shutdownNow();
                }
            }
            System.out.println("concurrent: ok");

            System.setProperty(DeviceSelection.SYSTEM_PROPERTY, "no-such-device-xyz");
            try (Backend backend = Backends.auto()) {
                throw new AssertionError("auto() ignored an unmatched clconvt.device and opened " + backend.describe());
            } catch (OpenClException e) {
                assertTrue(e.getMessage().contains("matches none of") && e.getMessage().contains(devices.get(1).index()),
                        e.getMessage());
            }
            System.out.println("auto refuses: ok");
        }

        /** Twenty calls of varied shapes on one backend, each against the CPU reference. */
        private static void computeAndCompare(Backend backend, Backend cpu, long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int call = 0; call < 20; call++) {
                int cin = 1 + random.nextInt(8);
                int cout = 1 + random.nextInt(8);
                int k = 1 + random.nextInt(6);
                int stride = 1 + random.nextInt(4);
                Tensor x = TestTensors.random(random, DType.FLOAT32, 1, 2, cin, 5 + random.nextInt(40));
                Tensor w = TestTensors.random(random, DType.FLOAT32, 1, cin, cout, k);
                Tensor b = TestTensors.random(random, DType.FLOAT32, 1, cout);
                ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(stride).build();
                Accuracy.assertClose(backend.convTranspose1d(x, w, b, params), cpu.convTranspose1d(x, w, b, params),
                        x, w, b, params, backend.describe() + " call " + call);
            }
        }
    }
}
