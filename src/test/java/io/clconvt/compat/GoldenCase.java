package io.clconvt.compat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One case of {@code src/test/resources/compat/manifest.json} (written by make_golden.py there): a
 * framework's arguments as the framework spells them, the arrays in the framework's layouts, and the
 * float64 reference output.
 */
record GoldenCase(String name, String framework, String rule, JsonNode args, Tensor x, Tensor w, Tensor b,
        Tensor y) {

    /** The folder of the manifest and its .npy files, on the test class path. */
    static Path directory() {
        URL url = GoldenCase.class.getResource("/compat/manifest.json");
        if (url == null) {
            throw new IllegalStateException("src/test/resources/compat/manifest.json is not on the class path");
        }
        try {
            return Path.of(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<GoldenCase> all() {
        Path dir = directory();
        try {
            List<GoldenCase> cases = new ArrayList<>();
            for (JsonNode c : new ObjectMapper().readTree(dir.resolve("manifest.json").toFile()).get("cases")) {
                cases.add(new GoldenCase(c.get("name").asText(), c.get("framework").asText(), c.get("rule").asText(),
                        c.get("args"), read(dir, c.get("x")), read(dir, c.get("w")), read(dir, c.get("b")),
                        read(dir, c.get("y"))));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GoldenCase named(String name) {
        return all().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no golden case " + name));
    }

    /** The .npy file of one of this case's arrays ("x", "w", "b" or "y"). */
    Path file(String role) {
        return directory().resolve(name + "_" + role + ".npy");
    }

    private static Tensor read(Path dir, JsonNode file) throws IOException {
        return file == null || file.isNull() ? null : Npy.read(dir.resolve(file.asText()));
    }
}
