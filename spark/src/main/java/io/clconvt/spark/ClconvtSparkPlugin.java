package io.clconvt.spark;

import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * {@code spark.plugins=io.clconvt.spark.ClconvtSparkPlugin}: closes the executor's OpenCL backends
 * ({@link ExecutorModels}) when the executor shuts down, including the driver's own executor in local mode, where the
 * JVM outlives the Spark context. {@link DecodeJob} adds it to {@code spark.plugins} itself.
 */
public final class ClconvtSparkPlugin implements SparkPlugin {
    @Override
    public DriverPlugin driverPlugin() {
        return null;
    }

    @Override
    public ExecutorPlugin executorPlugin() {
        return new ExecutorPlugin() {
            @Override
            public void shutdown() {
                ExecutorModels.closeAll();
            }
        };
    }
}
