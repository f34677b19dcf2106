package io.clconvt.io;

import static io.clconvt.io.StateDict.CHUNK_BYTES;
import static io.clconvt.io.StateDict.malformed;

import io.clconvt.Tensor;
import io.clconvt.io.StateDict.Entry;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * The {@code .npz} reader behind {@link StateDict}: lists the zip's {@code .npy} entries, refusing sizes the zip
 * cannot hold, and reads each through {@link Npy} only when asked.
 */
final class NpzArchive {
    /** Deflate cannot expand data by more than about 1032:1; a zip claiming more is corrupt. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    private NpzArchive() {
    }

    static Map<String, Entry> entries(Path file) throws IOException {
        long fileSize = Files.size(file);
        Map<String, Entry> entries = new LinkedHashMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry entry : Collections.list(zip.entries())) {
                if (entry.isDirectory()) {
                    continue;
                }
                String name = entry.getName();
                if (!name.endsWith(".npy")) {
                    throw malformed(file, "entry '" + name + "' is not an .npy array; an .npz holds only those");
                }
                long size = entry.getSize();
                long compressed = entry.getCompressedSize();
                if (size < 0 || compressed < 0 || compressed > fileSize
                        || (entry.getMethod() == ZipEntry.STORED && size != compressed)
                        || size > compressed * MAX_DEFLATE_RATIO + 1024) {
                    throw malformed(file, "entry '" + name + "' declares " + size + " bytes from " + compressed
                            + " compressed in a file of " + fileSize + "; the zip is corrupt");
                }
                String key = name.substring(0, name.length() - ".npy".length());
                entries.put(key, () -> readNpzEntry(file, name, size));
            }
        } catch (ZipException e) {
            throw malformed(file, "not a readable zip (" + e.getMessage() + "); truncated or corrupt .npz");
        }
        return entries;
    }

    private static Tensor readNpzEntry(Path file, String name, long size) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry(name);
            if (entry == null) {
                throw malformed(file, "entry '" + name + "' has disappeared; was the file replaced?");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                return Npy.read(file + "!" + name, new StreamChannel(in, size));
            }
        } catch (ZipException | EOFException e) {
            throw malformed(file, "entry '" + name + "' cannot be read (" + e.getMessage() + "); truncated or corrupt");
        }
    }

    /** A zip entry's stream seen as a channel of its declared length, read front to back. */
    private static final class StreamChannel implements SeekableByteChannel {
        private final InputStream in;
        private final long size;
        private long position;
        private boolean open = true;

        StreamChannel(InputStream in, long size) {
            this.in = in;
            this.size = size;
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            int wanted = target.remaining();
            if (wanted == 0) {
                return 0;
            }
            byte[] bytes = new byte[Math.min(wanted, CHUNK_BYTES)];
            int n = in.read(bytes);
            if (n < 0) {
                return -1;
            }
            target.put(bytes, 0, n);
            position += n;
            return n;
        }

        @Override
        public long position() {
            return position;
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public SeekableByteChannel position(long newPosition) {
            throw new UnsupportedOperationException("a zip entry is read front to back");
        }

        @Override
        public int write(ByteBuffer source) {
            throw new NonWritableChannelException();
        }

        @Override
        public SeekableByteChannel truncate(long newSize) {
            throw new NonWritableChannelException();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }
}
