package io.clconvt.io;

import io.clconvt.testing.TestResources;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The numpy-written .npy files in src/test/resources/npy (make_fixtures.py there regenerates them), and
 * hand-made ones for what numpy would never write.
 */
public final class NpyFixtures {
    private NpyFixtures() {
    }

    /** The fixture as a file (copied out of the library's test-jar where the command line's tests use it). */
    public static Path path(String name) {
        Path path = TestResources.folder("npy").resolve(name);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no fixture " + name + " in src/test/resources/npy");
        }
        return path;
    }

    /** A version 1.0 header dictionary with {@code descr} (quoted) and {@code shape} (a tuple). */
    public static String header(String descr, String shape) {
        return "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }\n";
    }

    /** A .npy file with an arbitrary header and data, not necessarily valid or aligned. */
    public static byte[] npy(int major, String header, byte[] data) {
        byte[] text = header.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + (major == 1 ? 2 : 4) + text.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        return b.put(text).put(data).array();
    }

    /** Little-endian float32 bytes. */
    public static byte[] floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }
}
