package io.clconvt.spark;

import io.clconvt.io.StateDict;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The generator's config.json and weights file, as bytes: what the driver broadcasts once, so that every executor
 * builds the same model without the files being on its disk or shipped with each task. {@link #id()} is a hash of
 * both, the key under which an executor keeps the model it built.
 */
public record GeneratorFiles(String id, byte[] config, String weightsName, byte[] weights) implements Serializable {
    /** Reads both files on the driver. */
    public static GeneratorFiles read(Path config, Path weights) throws IOException {
        byte[] configBytes = Files.readAllBytes(config);
        byte[] weightBytes = Files.readAllBytes(weights);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(configBytes);
            sha.update(weightBytes);
            return new GeneratorFiles(HexFormat.of().formatHex(sha.digest()), configBytes,
                    weights.getFileName().toString(), weightBytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Builds the generator: the library reads state dicts from files, so the bytes go to a temporary folder first,
     * deleted once every tensor has been read.
     */
    public Vocoder load() throws IOException {
        Path folder = Files.createTempDirectory("clconvt-generator-");
        Path configFile = folder.resolve("config.json");
        Path weightsFile = folder.resolve(weightsName);
        try {
            Files.write(configFile, config);
            Files.write(weightsFile, weights);
            return Vocoder.load(configFile, StateDict.read(weightsFile));
        } finally {
            Files.deleteIfExists(configFile);
            Files.deleteIfExists(weightsFile);
            Files.deleteIfExists(folder);
        }
    }
}
