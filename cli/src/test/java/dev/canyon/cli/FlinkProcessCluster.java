package dev.canyon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.stack.FreePort;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink cluster of JVMs of its own, from Flink's modules on Maven Central (there is no
 * flink-dist there): a JobManager in application mode ({@code StandaloneApplicationClusterEntryPoint}
 * running the job jar's main class, found in the cluster's {@code usrlib} folder as in Flink's image)
 * and TaskManagers ({@code TaskManagerRunner}), all reading one generated {@code config.yaml}. The
 * JobManager's ports are fixed, so one started again with the same command is found again by the
 * TaskManagers. Flink's processes get the test's class path without Canyon's own classes and the
 * libraries the job jar brings itself (Kafka, the connector, InfluxDB's client, ...).
 */
final class FlinkProcessCluster {
    /** Class path entries left out of Flink's processes: Canyon, what the job jar shades, test libraries, DL4J. */
    private static final List<String> NOT_FLINK = List.of("/target/classes", "/target/test-classes", "/dev/canyon/", "/org/apache/kafka/",
            "flink-connector-kafka", "/org/influxdb/", "/com/google/protobuf/", "-tests.jar", "flink-test-utils", "/org/junit/",
            "/junit/", "/org/assertj/", "/com/tngtech/", "/org/opentest4j/", "/org/apiguardian/", "/org/deeplearning4j/", "/org/nd4j/",
            "/org/bytedeco/", "/info/picocli/", "/org/knowm/");

    private final Path dir;
    private final Path confDir;
    private final Path checkpointDir;
    private final String classPath;
    private final List<String> jvmOptions;
    private final int restPort = FreePort.pick();
    private final ChildJvm jobManager;
    private final List<ChildJvm> taskManagers = new ArrayList<>();
    private final TaskExecutorProcessSpec taskManagerSpec;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * @param jobJar the job jar, copied into {@code usrlib}
     * @param jobClass the job's main class
     * @param jobEnvironment the JobManager's environment (the job's CANYON_* settings)
     * @param settings Flink settings over the cluster's defaults
     */
    FlinkProcessCluster(Path dir, Path jobJar, String jobClass, Map<String, String> jobEnvironment, Map<String, String> settings,
            List<String> jvmOptions) throws IOException {
        this.dir = dir;
        this.jvmOptions = jvmOptions;
        Path home = Files.createDirectories(dir.resolve("flink-home"));
        Files.createDirectories(home.resolve("lib"));
        Files.createDirectories(home.resolve("plugins"));
        Files.copy(jobJar, Files.createDirectories(home.resolve("usrlib")).resolve("canyon-analytics.jar"));
        confDir = Files.createDirectories(home.resolve("conf"));
        checkpointDir = Files.createDirectories(dir.resolve("flink-checkpoints"));
        classPath = flinkClassPath();

        Map<String, String> conf = new LinkedHashMap<>();
        conf.put("jobmanager.rpc.address", "127.0.0.1");
        conf.put("jobmanager.rpc.port", Integer.toString(FreePort.pick()));
        conf.put("jobmanager.bind-host", "127.0.0.1");
        conf.put("jobmanager.memory.process.size", "768m");
        conf.put("rest.address", "127.0.0.1");
        conf.put("rest.bind-address", "127.0.0.1");
        conf.put("rest.port", Integer.toString(restPort));
        conf.put("blob.server.port", Integer.toString(FreePort.pick()));
        conf.put("taskmanager.host", "127.0.0.1");
        conf.put("taskmanager.bind-host", "127.0.0.1");
        conf.put("taskmanager.numberOfTaskSlots", "1");
        conf.put("taskmanager.memory.process.size", "900m");
        conf.put("taskmanager.memory.managed.size", "32m");
        conf.put("taskmanager.memory.network.min", "32m");
        conf.put("taskmanager.memory.network.max", "32m");
        conf.put("taskmanager.memory.jvm-metaspace.size", "192m");
        conf.put("execution.checkpointing.dir", checkpointDir.toUri().toString());
        conf.put("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION");
        conf.put("execution.checkpointing.num-retained", "3");
        conf.put("web.submit.enable", "false");
        conf.put("web.cancel.enable", "false");
        // Fast failure detection and recovery, for the test only.
        conf.put("heartbeat.interval", "1000");
        conf.put("heartbeat.timeout", "5000");
        conf.put("cluster.registration.initial-timeout", "200");
        conf.put("cluster.registration.max-timeout", "1000");
        conf.put("cluster.registration.error-delay", "1000");
        conf.put("cluster.registration.refused-registration-delay", "1000");
        conf.put("taskmanager.slot.timeout", "5s");
        conf.put("restart-strategy.type", "fixed-delay");
        conf.put("restart-strategy.fixed-delay.attempts", "1000");
        conf.put("restart-strategy.fixed-delay.delay", "1s");
        conf.putAll(settings);
        Files.writeString(confDir.resolve("config.yaml"),
                conf.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("\n", "", "\n")),
                StandardCharsets.UTF_8);
        Files.writeString(confDir.resolve("logback.xml"), logback(), StandardCharsets.UTF_8);

        Configuration flinkConf = new Configuration();
        conf.forEach(flinkConf::setString);
        taskManagerSpec = TaskExecutorProcessUtils.processSpecFromConfig(flinkConf);

        Map<String, String> env = new LinkedHashMap<>(jobEnvironment);
        env.put("FLINK_LIB_DIR", home.resolve("lib").toString()); // its parent holds usrlib
        env.put("FLINK_CONF_DIR", confDir.toString());
        env.put("FLINK_PLUGINS_DIR", home.resolve("plugins").toString());
        List<String> jmOptions = new ArrayList<>(List.of("-Xmx512m", "-Xms128m"));
        jmOptions.addAll(jvmOptions);
        jmOptions.add("-Dlogback.configurationFile=" + confDir.resolve("logback.xml"));
        jobManager = new ChildJvm("jobmanager", dir, classPath, jmOptions,
                "org.apache.flink.container.entrypoint.StandaloneApplicationClusterEntryPoint",
                List.of("--configDir", confDir.toString(), "--job-classname", jobClass), env);
    }

    ChildJvm jobManager() {
        return jobManager;
    }

    List<ChildJvm> taskManagers() {
        return taskManagers;
    }

    Path checkpointDir() {
        return checkpointDir;
    }

    List<ChildJvm> children() {
        List<ChildJvm> all = new ArrayList<>();
        all.add(jobManager);
        all.addAll(taskManagers);
        return all;
    }

    /** Starts another TaskManager (tm-1, tm-2, ...) and returns it. */
    ChildJvm startTaskManager() {
        String id = "tm-" + (taskManagers.size() + 1);
        List<String> options = new ArrayList<>(Arrays.asList(ProcessMemoryUtils.generateJvmParametersStr(taskManagerSpec).trim().split("\\s+")));
        options.addAll(jvmOptions);
        options.add("-Dlogback.configurationFile=" + confDir.resolve("logback.xml"));
        List<String> args = new ArrayList<>(List.of("--configDir", confDir.toString(), "-D", "taskmanager.resource-id=" + id));
        args.addAll(Arrays.asList(TaskExecutorProcessUtils.generateDynamicConfigsStr(taskManagerSpec).trim().split("\\s+")));
        ChildJvm tm = new ChildJvm(id, dir, classPath, options, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args,
                Map.of("FLINK_CONF_DIR", confDir.toString()));
        taskManagers.add(tm);
        return tm.start();
    }

    /** The REST API's answer to {@code GET path}, or empty while the JobManager does not answer. */
    Optional<JsonNode> rest(String path) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(json.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The id of the job running with every task RUNNING, when the TaskManagers registered are
     * exactly those alive (a killed one gone, its successor there) and each has its slot taken (so
     * the job runs on all of them).
     */
    Optional<String> jobRunningOnLiveTaskManagers() {
        Optional<JsonNode> tms = rest("/taskmanagers");
        if (tms.isEmpty()) {
            return Optional.empty();
        }
        java.util.Set<String> registered = new java.util.TreeSet<>();
        for (JsonNode tm : tms.get().path("taskmanagers")) {
            if (tm.path("freeSlots").asInt(-1) != 0) {
                return Optional.empty();
            }
            registered.add(tm.path("id").asText());
        }
        java.util.Set<String> alive = taskManagers.stream().filter(ChildJvm::isAlive).map(ChildJvm::name)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
        if (!registered.equals(alive)) {
            return Optional.empty();
        }
        for (JsonNode job : rest("/jobs/overview").map(j -> j.path("jobs")).orElse(json.createArrayNode())) {
            JsonNode tasks = job.path("tasks");
            if (job.path("state").asText().equals("RUNNING") && tasks.path("total").asInt() > 0
                    && tasks.path("running").asInt() == tasks.path("total").asInt()) {
                return Optional.of(job.path("jid").asText());
            }
        }
        return Optional.empty();
    }

    /** The class path of Flink's processes: the test's, less {@link #NOT_FLINK}. */
    private static String flinkClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> NOT_FLINK.stream().noneMatch(e.replace('\\', '/')::contains))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /** Logging of Kafka's and Flink's processes: INFO, less of the chatty parts. */
    static String logback() {
        return String.join("\n",
                "<configuration>",
                "  <appender name=\"OUT\" class=\"ch.qos.logback.core.ConsoleAppender\">",
                "    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n</pattern></encoder>",
                "  </appender>",
                "  <logger name=\"org.apache.kafka\" level=\"WARN\"/>",
                "  <logger name=\"kafka\" level=\"WARN\"/>",
                "  <logger name=\"state.change.logger\" level=\"WARN\"/>",
                "  <logger name=\"org.apache.flink.runtime.checkpoint\" level=\"INFO\"/>",
                "  <logger name=\"org.apache.flink.connector.kafka\" level=\"WARN\"/>",
                "  <logger name=\"org.apache.pekko\" level=\"WARN\"/>",
                "  <logger name=\"org.apache.flink.shaded\" level=\"WARN\"/>",
                "  <root level=\"INFO\"><appender-ref ref=\"OUT\"/></root>",
                "</configuration>", "");
    }
}
