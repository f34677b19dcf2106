package io.clconvt.npy;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** The numpy-written .npy files in src/test/resources/npy; make_fixtures.py there regenerates them. */
public final class NpyFixtures {
    private NpyFixtures() {
    }

    public static Path path(String name) {
        URL url = NpyFixtures.class.getResource("/npy/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no fixture " + name + " in src/test/resources/npy");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
