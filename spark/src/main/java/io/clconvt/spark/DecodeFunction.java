package io.clconvt.spark;

import io.clconvt.DType;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function0;
import org.apache.spark.resource.ResourceInformation;

/**
 * Decodes one partition of utterances on the task's device ({@link ExecutorModels}): reads every mel, groups those of
 * equal shape, and runs each group through the generator in batches of up to {@code batchSize} utterances, one
 * (N, C, T) call per batch. Only equal lengths share a batch: padding shorter utterances would change their last
 * samples (a transposed convolution's tail reads the padding), and the output must equal the single-utterance
 * {@code generate}. The order of groups and of utterances in them is fixed (length, then id), so a retried task makes
 * the same batches and, the kernels being deterministic, the same bits.
 *
 * <p>An input that cannot be read or decoded (a corrupt .npy, a null or misshapen Parquet row, the wrong number of
 * channels) throws a {@link BadInputException} naming it, failing the task and so the job, unless {@code skipBad}:
 * then it comes out as a {@link Decoded} with its error. Batches are decoded as the result is consumed, so audio is
 * written while the next batch runs.
 */
public final class DecodeFunction implements FlatMapFunction<Iterator<Utterance>, Decoded> {
    private final Function0<GeneratorFiles> generator;
    private final int batchSize;
    private final boolean skipBad;

    /**
     * @param generator the generator's files, e.g. {@code broadcast::value}: read once per task, built once per
     *     executor and device
     * @throws IllegalArgumentException if {@code batchSize} is not positive
     */
    public DecodeFunction(Function0<GeneratorFiles> generator, int batchSize, boolean skipBad) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
        }
        this.generator = generator;
        this.batchSize = batchSize;
        this.skipBad = skipBad;
    }

    private record Mel(String id, String source, float[] values) {
    }

    /** (channels, frames): the shape utterances must share to be batched. */
    private record Shape(int channels, int frames) {
    }

    @Override
    public Iterator<Decoded> call(Iterator<Utterance> utterances) throws Exception {
        ExecutorModels.Model model = ExecutorModels.get(assignedGpu(), generator.call());
        List<Decoded> unreadable = new ArrayList<>();
        Map<Shape, List<Mel>> groups = new TreeMap<>(Comparator.comparingInt(Shape::frames).thenComparingInt(Shape::channels));
        while (utterances.hasNext()) {
            Utterance utterance = utterances.next();
            try {
                Tensor mel = read(utterance);
                groups.computeIfAbsent(new Shape(mel.dim(0), mel.dim(1)), shape -> new ArrayList<>())
                        .add(new Mel(utterance.id(), utterance.source(), mel.toFloatArray()));
            } catch (BadInputException e) {
                unreadable.add(failure(utterance.id(), e));
            }
        }
        List<List<Mel>> batches = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (Map.Entry<Shape, List<Mel>> group : groups.entrySet()) {
            List<Mel> mels = group.getValue();
            mels.sort(Comparator.comparing(Mel::id));
            for (int start = 0; start < mels.size(); start += batchSize) {
                batches.add(mels.subList(start, Math.min(start + batchSize, mels.size())));
                shapes.add(group.getKey());
            }
        }
        return new Iterator<>() {
            private final Iterator<Decoded> failed = unreadable.iterator();
            private Iterator<Decoded> current = List.<Decoded>of().iterator();
            private int next;

            @Override
            public boolean hasNext() {
                return failed.hasNext() || current.hasNext() || next < batches.size();
            }

            @Override
            public Decoded next() {
                if (failed.hasNext()) {
                    return failed.next();
                }
                if (!current.hasNext()) {
                    if (next >= batches.size()) {
                        throw new NoSuchElementException();
                    }
                    current = decode(model, shapes.get(next), batches.get(next)).iterator();
                    next++;
                }
                return current.next();
            }
        };
    }

    /** The first GPU address Spark assigned this task, or null without a task or a GPU resource. */
    static String assignedGpu() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return null;
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        return gpu == null || gpu.addresses().length == 0 ? null : gpu.addresses()[0];
    }

    private List<Decoded> decode(ExecutorModels.Model model, Shape shape, List<Mel> batch) {
        int n = batch.size();
        int size = shape.channels() * shape.frames();
        float[] stacked = new float[n * size];
        for (int i = 0; i < n; i++) {
            System.arraycopy(batch.get(i).values(), 0, stacked, i * size, size);
        }
        float[] audio;
        try {
            audio = model.vocoder().generate(model.backend(), Tensor.of(stacked, n, shape.channels(), shape.frames()))
                    .toFloatArray();
        } catch (IllegalArgumentException e) {
            // The generator refuses the shape (e.g. the wrong number of channels): every utterance of this shape is bad.
            List<Decoded> failures = new ArrayList<>();
            for (Mel mel : batch) {
                failures.add(failure(mel.id(), new BadInputException(mel.source(), e)));
            }
            return failures;
        }
        int length = audio.length / n;
        List<Decoded> decoded = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            decoded.add(new Decoded(batch.get(i).id(), Arrays.copyOfRange(audio, i * length, (i + 1) * length), null));
        }
        return decoded;
    }

    private Decoded failure(String id, BadInputException e) {
        if (!skipBad) {
            throw e;
        }
        return new Decoded(id, null, e.getMessage());
    }

    /** The utterance's mel as (C, T) FLOAT32. */
    private static Tensor read(Utterance utterance) {
        if (utterance.npyPath() != null) {
            Tensor mel;
            try {
                mel = Npy.read(Path.of(utterance.npyPath()));
            } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
                throw new BadInputException(utterance.source(), e);
            }
            int[] shape = mel.shape();
            boolean ok = shape.length == 2 || (shape.length == 3 && shape[0] == 1);
            if (!ok || shape[shape.length - 1] == 0) {
                throw new BadInputException(utterance.source(), "mel has shape " + Arrays.toString(shape)
                        + "; expected (channels, frames) or (1, channels, frames) with at least one frame");
            }
            return Tensor.of(mel.to(DType.FLOAT32).toFloatArray(), shape[shape.length - 2], shape[shape.length - 1]);
        }
        Integer frames = utterance.frames();
        float[] mel = utterance.mel();
        if (frames == null || mel == null || frames <= 0 || mel.length == 0 || mel.length % frames != 0) {
            throw new BadInputException(utterance.source(), "frames " + frames + " and a mel of "
                    + (mel == null ? "null" : mel.length + " values")
                    + " do not make a (channels, frames) matrix; expected frames > 0 dividing the mel's length");
        }
        return Tensor.of(mel, mel.length / frames, frames);
    }
}
