package dev.troupe.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Spark contexts for the tests, on loopback only: {@code local[N]} (executors are threads of this JVM) and
 * {@code local-cluster[W,C,M]} (W worker JVMs started by this one). Local-cluster launches executors the way a
 * Spark installation does, from {@code $SPARK_HOME/jars}; the build has no installation, so a stand-in one is
 * made from this JVM's class path ({@code jars/} linking each jar, an empty {@code RELEASE}), and the class
 * folders (troupe's own classes) go on {@code spark.executor.extraClassPath}. Surefire sets SPARK_HOME,
 * SPARK_SCALA_VERSION and SPARK_LOCAL_IP.
 */
final class LocalSpark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private LocalSpark() {
    }

    static SparkConf loopback(String master) {
        return new SparkConf().setMaster(master).setAppName("troupe-spark-test")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.executorEnv.DJL_OFFLINE", "true")
                .set("spark.executorEnv.OPT_OUT_TRACKING", "true")
                .set("spark.executorEnv.SPARK_LOCAL_IP", "127.0.0.1");
    }

    static JavaSparkContext local(int threads) {
        return new JavaSparkContext(loopback("local[" + threads + "]"));
    }

    /** {@code local-cluster[workers,1,1024]}: one core and 1 GiB per worker, one executor JVM each. */
    static JavaSparkContext localCluster(int workers) throws Exception {
        String classPath = System.getProperty("surefire.real.class.path", System.getProperty("java.class.path"));
        standInSparkHome(classPath);
        return new JavaSparkContext(loopback("local-cluster[" + workers + ",1,1024]")
                .set("spark.executor.extraClassPath", classPath)
                .set("spark.executor.memory", "1024m"));
    }

    private static void standInSparkHome(String classPath) throws Exception {
        String home = System.getenv("SPARK_HOME");
        if (home == null) {
            throw new IllegalStateException("SPARK_HOME must name a folder the tests may fill (surefire sets it)");
        }
        Path jars = Path.of(home, "jars");
        Files.createDirectories(jars);
        Files.write(Path.of(home, "RELEASE"), new byte[0]);
        for (String entry : classPath.split(File.pathSeparator)) {
            Path jar = Path.of(entry);
            Path link = jars.resolve(jar.getFileName().toString());
            if (entry.endsWith(".jar") && Files.isRegularFile(jar) && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, jar.toAbsolutePath());
            }
        }
    }

    /** Every file under {@code root}, by relative path. */
    static Map<String, byte[]> files(Path root) throws Exception {
        try (Stream<Path> all = Files.walk(root)) {
            Map<String, byte[]> files = new TreeMap<>();
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
            return files;
        }
    }

    /** The files whose bytes differ (for sidecars: anything but their timings). */
    static java.util.Set<String> differing(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        java.util.Set<String> differ = new java.util.TreeSet<>();
        for (String name : expected.keySet()) {
            if (!actual.containsKey(name) || !same(name, expected.get(name), actual.get(name))) {
                differ.add(name);
            }
        }
        return differ;
    }

    private static boolean same(String name, byte[] a, byte[] b) {
        if (name.matches("scenes/[^.]+\\.json")) {
            try {
                ObjectNode x = (ObjectNode) JSON.readTree(a);
                ObjectNode y = (ObjectNode) JSON.readTree(b);
                x.remove("timings");
                y.remove("timings");
                return x.equals(y);
            } catch (Exception e) {
                return false;
            }
        }
        return Arrays.equals(a, b);
    }
}
