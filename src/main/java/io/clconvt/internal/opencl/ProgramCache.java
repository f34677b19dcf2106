package io.clconvt.internal.opencl;

import static org.jocl.CL.clReleaseKernel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.jocl.cl_kernel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Built programs of one context, one per kernel file and build-option set, each with its kernel
 * object: a program is compiled once (about a second on POCL) and every later call reuses it. A
 * kernel file names the files it shares ({@code storage.cl}, {@code activation.cl}, a family's prelude)
 * with {@code #include "file.cl"} lines, which are inlined here, each file once, since a program built
 * from a string has no include path into the jar. A build that fails caches nothing,
 * so the cache stays usable for every other program. At most
 * {@link #MAX_PROGRAMS} are kept: the least recently used is released when a new one is built, so a
 * process that meets many shape classes does not accumulate compiled code without bound.
 * Not thread-safe: the owning backend serialises calls.
 */
public final class ProgramCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);
    public static final int MAX_PROGRAMS = 64;


    private record Entry(ClProgram program, cl_kernel kernel, List<Object> lastArguments) {
    }

    private final ClContext context;
    private final int maxPrograms;
    private final Function<String, String> loader;
    private final ProgramBinaryCache binaries;
    private final Map<String, String> sources = new HashMap<>();
    private final LinkedHashMap<ProgramKey, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** The same entries by kernel object, by identity: JOCL's handles compare by native address. */
    private final Map<cl_kernel, Entry> byKernel = new IdentityHashMap<>();

    /** The cache of a backend, which loads and stores binaries in {@link ProgramBinaryCache#forDevice the device's binary cache}, if any. */
    public ProgramCache(ClContext context) {
        this(context, MAX_PROGRAMS, ProgramCache::kernelSource,
                ProgramBinaryCache.forDevice(context.device().capabilities()));
    }

    /** The source a program of {@code kernels/<file>} is built from, its includes inlined. */
    public static String kernelSource(String file) {
        return ClProgram.loadSource(file, new HashSet<>());
    }

    /**
     * A cache with another bound and another source for each kernel file, for tests: a smaller cache, or
     * a deliberately broken kernel that a checker must catch.
     */
    public ProgramCache(ClContext context, int maxPrograms, Function<String, String> loader) {
        this(context, maxPrograms, loader, null);
    }

    /** As {@link #ProgramCache(ClContext, int, Function)}, loading and storing binaries in {@code binaries} (null: none). */
    public ProgramCache(ClContext context, int maxPrograms, Function<String, String> loader,
            ProgramBinaryCache binaries) {
        this.context = context;
        this.maxPrograms = maxPrograms;
        this.loader = loader;
        this.binaries = binaries;
    }

    /** The kernel {@code kernelName} of {@code kernels/<file>} built with {@code options}. */
    public cl_kernel kernel(String file, String kernelName, String options) {
        return kernel(new ProgramKey(file, kernelName, options));
    }

    /** The kernel {@code key} names, built on first use. */
    public cl_kernel kernel(ProgramKey key) {
        Entry entry = entries.get(key);
        if (entry != null) {
            return entry.kernel();
        }
        sources.computeIfAbsent(key.file(), loader);
        return add(key, build(key));
    }

    /**
     * Builds every program of {@code keys} not built yet, on up to one thread per core: a driver that
     * compiles each program on one core (POCL) then compiles as many at once as there are cores, so a
     * layer stack's first call does not wait for its programs one after the other. Programs beyond
     * the cache's bound are not kept.
     */
    public void prepare(Collection<ProgramKey> keys) {
        List<ProgramKey> missing = keys.stream().distinct().filter(key -> !entries.containsKey(key))
                .limit(maxPrograms).toList();
        missing.forEach(key -> sources.computeIfAbsent(key.file(), loader));
        int threads = Math.min(missing.size(), Runtime.getRuntime().availableProcessors());
        if (threads <= 1) {
            missing.forEach(this::kernel);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "clconvt-build");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Entry>> built = new ArrayList<>();
            for (ProgramKey key : missing) {
                built.add(pool.submit(() -> build(key)));
            }
            RuntimeException failure = null;
            for (int i = 0; i < missing.size(); i++) {
                try {
                    Entry entry = built.get(i).get();
                    if (failure == null) {
                        add(missing.get(i), entry);
                    } else {
                        release(entry);
                    }
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException runtime ? runtime
                            : new IllegalStateException(e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building programs", e);
        } finally {
            pool.shutdown();
        }
    }

    /**
     * Compiles {@code key}'s program, whose source is loaded already, and creates its kernel; safe on
     * several threads at once (OpenCL's build and create calls are thread-safe, and the sources are only
     * read here).
     */
    private Entry build(ProgramKey key) {
        ClProgram program = ClProgram.build(context, key.file(), sources.get(key.file()), key.options(), binaries);
        try {
            return new Entry(program, program.createKernel(key.kernelName()), new ArrayList<>());
        } catch (RuntimeException e) {
            program.close();
            throw e;
        }
    }

    private cl_kernel add(ProgramKey key, Entry entry) {
        entries.put(key, entry);
        byKernel.put(entry.kernel(), entry);
        Iterator<Entry> oldest = entries.values().iterator();
        while (entries.size() > maxPrograms) {
            Entry evicted = oldest.next();
            byKernel.remove(evicted.kernel());
            release(evicted);
            oldest.remove();
        }
        return entry.kernel();
    }

    /** Sets the arguments of {@code kernel}, one of this cache's, skipping those it already holds. */
    public KernelArguments arguments(cl_kernel kernel) {
        Entry entry = byKernel.get(kernel);
        if (entry == null) {
            throw new IllegalArgumentException("the kernel is not one of this cache's (evicted or never built)");
        }
        return new KernelArguments(kernel, entry.lastArguments());
    }

    /** The build log of the program {@link #kernel} built (or finds) for these arguments, for tests. */
    public String buildLog(String file, String kernelName, String options) {
        kernel(file, kernelName, options);
        return entries.get(new ProgramKey(file, kernelName, options)).program().buildLog();
    }

    /** How many programs are built, for tests that check nothing rebuilds. */
    public int size() {
        return entries.size();
    }

    @Override
    public void close() {
        entries.values().forEach(ProgramCache::release);
        entries.clear();
        byKernel.clear();
    }

    private static void release(Entry entry) {
        clReleaseKernel(entry.kernel());
        entry.program().close();
    }
}
