package dev.canyon.cli;

import org.junit.jupiter.api.Tag;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.canyon.job.StepAnalyticsJob;
import dev.canyon.contract.Topics;
import dev.canyon.contract.kafka.TopicSetup;
import dev.canyon.stack.EmbeddedKafka;
import dev.canyon.stack.InfluxdProcess;
import dev.canyon.stack.TopicContents;
import dev.canyon.storage.InfluxConfig;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recorded stream kept in test resources replays to exactly the InfluxDB points it gave when it
 * was recorded: every measurement, every tag, every field (as influxd prints it) and every
 * nanosecond timestamp. The recording: an experiment of two Fashion-MNIST MLP runs (sketch vectors,
 * full probes), a deep-linear-2 run and a planted-saddle run with momentum (FULL vectors), a garbage
 * record and a run whose third step has a NaN loss. Its expected points are what the analytics gave
 * when they were last rewritten on purpose (issue 13: obstacle states under noise, shown after 3
 * agreeing windows; noise scale with its source and notes; the stability ratio against the run's
 * optimizer), so any other change to a point fails here.
 *
 * <p>To record anew: run a stack, train such runs into it, and run this test with {@code
 * -Dcanyon.golden.record=<bootstrap servers>}; it rewrites both resources under {@code
 * src/test/resources/golden/replay}. When the analytics change the points on purpose, {@code
 * -Dcanyon.golden.rewrite=true} keeps the recorded records and rewrites the expected points (say in
 * the commit which points changed and why).
 */
@Tag("real")
class GoldenReplayTest {
    private static final Path RESOURCES = Path.of("src/test/resources/golden/replay");
    private static final String RECORDS = "records.bin.gz";
    private static final String POINTS = "points.txt.gz";

    @TempDir
    Path dir;

    /** One Kafka record of the recording. */
    record Recorded(String topic, String key, long timestampMs, byte[] value) {}

    @Test
    void theRecordedStreamReplaysToTheRecordedPoints() throws Exception {
        String recordFrom = System.getProperty("canyon.golden.record");
        List<Recorded> records = recordFrom != null ? recordAnew(recordFrom) : readRecords();
        assertThat(records).hasSizeGreaterThan(1000);

        List<String> points;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
                InfluxdProcess influxd = InfluxdProcess.start(dir.resolve("influx"))) {
            TopicSetup.ensure(kafka.bootstrapServers());
            Properties p = new Properties();
            p.put("bootstrap.servers", kafka.bootstrapServers());
            p.put("max.request.size", Integer.toString(Topics.MAX_RECORD_BYTES));
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (Recorded r : records) {
                    producer.send(new ProducerRecord<>(r.topic(), null, r.timestampMs(), r.key().getBytes(StandardCharsets.UTF_8),
                            r.value())).get();
                }
            }
            InfluxConfig influx = InfluxConfig.of(influxd.url()).withDatabase("golden");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            StepAnalyticsJob.buildReplay(env, kafka.bootstrapServers(), Map.of(), influx, -1, null, null, 1);
            env.execute("golden-replay");
            points = allPoints(influxd.url(), "golden");
        }
        if (recordFrom != null || Boolean.getBoolean("canyon.golden.rewrite")) {
            writeLines(RESOURCES.resolve(POINTS), points);
        }
        List<String> expected = readLines(RESOURCES.resolve(POINTS)).stream().sorted().toList();
        assertThat(expected).hasSizeGreaterThan(3000);
        assertThat(points).as("points of the replayed recording").hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(points.get(i)).as("point %d of %d", i, expected.size()).isEqualTo(expected.get(i));
        }
    }

    /** Every point of every measurement in {@code db}, one canonical line each, sorted. */
    static List<String> allPoints(String influxUrl, String db) throws Exception {
        ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        List<String> lines = new ArrayList<>();
        for (JsonNode m : rows(json, influxUrl, db, "SHOW MEASUREMENTS")) {
            String measurement = m.get(0).asText();
            JsonNode result = query(json, influxUrl, db, "SELECT * FROM \"" + measurement + "\"");
            for (JsonNode series : result.path("series")) {
                JsonNode columns = series.get("columns");
                for (JsonNode values : series.get("values")) {
                    Map<String, String> row = new TreeMap<>();
                    String time = null;
                    for (int i = 0; i < columns.size(); i++) {
                        JsonNode v = values.get(i);
                        if (columns.get(i).asText().equals("time")) {
                            time = v.asText();
                        } else if (!v.isNull()) {
                            row.put(columns.get(i).asText(), v.isTextual() ? '"' + v.asText() + '"' : v.toString());
                        }
                    }
                    lines.add(measurement + " " + time + " " + row);
                }
            }
        }
        lines.sort(null);
        return lines;
    }

    private static JsonNode rows(ObjectMapper json, String url, String db, String q) throws Exception {
        JsonNode series = query(json, url, db, q).path("series");
        return series.isEmpty() ? json.createArrayNode() : series.get(0).get("values");
    }

    private static JsonNode query(ObjectMapper json, String url, String db, String q) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/query?epoch=ns&db="
                + URLEncoder.encode(db, StandardCharsets.UTF_8) + "&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("influxd answer to %s: %s", q, r.body()).isEqualTo(200);
        JsonNode result = json.readTree(r.body()).get("results").get(0);
        assertThat(result.has("error")).as("error of %s: %s", q, result).isFalse();
        return result;
    }

    private static List<Recorded> readRecords() throws IOException {
        List<Recorded> out = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(RESOURCES.resolve(RECORDS))))) {
            while (true) {
                String topic;
                try {
                    topic = in.readUTF();
                } catch (EOFException e) {
                    return out;
                }
                String key = in.readUTF();
                long ts = in.readLong();
                byte[] value = new byte[in.readInt()];
                in.readFully(value);
                out.add(new Recorded(topic, key, ts, value));
            }
        }
    }

    /** The runs and steps topics of a stack the runs were trained into, plus two bad inputs; written to the resources. */
    private static List<Recorded> recordAnew(String bootstrap) throws IOException {
        List<Recorded> out = new ArrayList<>();
        for (String topic : List.of(Topics.RUNS, Topics.STEPS)) {
            for (ConsumerRecord<byte[], byte[]> r : TopicContents.readAll(bootstrap, topic, Duration.ofSeconds(60))) {
                out.add(new Recorded(topic, new String(r.key(), StandardCharsets.UTF_8), r.timestamp(), r.value()));
            }
        }
        long t0 = out.get(out.size() - 1).timestampMs() + 1000;
        out.add(new Recorded(Topics.STEPS, "golden-garbage", t0, "not a frame".getBytes(StandardCharsets.UTF_8)));
        String run = "golden-nonfinite";
        for (int t = 1; t <= 3; t++) {
            var step = dev.canyon.contract.proto.Step.newBuilder().setRunId(run).setExperimentId("golden-bad").setStep(t)
                    .setEventTimeMs(t0 + t).setLoss(t == 3 ? Double.NaN : 1.0 / t).setLearningRate(0.1).setBatchSize(4)
                    .setExamplesSeen(4L * t)
                    .setScalars(dev.canyon.contract.proto.StepScalars.newBuilder().setGradNorm(1.0).setDeltaNorm(0.1)
                            .setParamNorm(2.0).setDisplacement(0.1 * t))
                    .setGradient(dev.canyon.contract.Vectors.full(new float[] {1f, 0f}))
                    .setDelta(dev.canyon.contract.Vectors.full(new float[] {-0.1f, 0f}))
                    .build();
            out.add(new Recorded(Topics.STEPS, run, t0 + t, dev.canyon.contract.WireRecords.encode(step)));
        }
        Files.createDirectories(RESOURCES);
        try (DataOutputStream o = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(RESOURCES.resolve(RECORDS))))) {
            for (Recorded r : out) {
                o.writeUTF(r.topic());
                o.writeUTF(r.key());
                o.writeLong(r.timestampMs());
                o.writeInt(r.value().length);
                o.write(r.value());
            }
        }
        return out;
    }

    private static List<String> readLines(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return List.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n"));
        }
    }

    private static void writeLines(Path file, List<String> lines) throws IOException {
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file))) {
            o.write(String.join("\n", lines).getBytes(StandardCharsets.UTF_8));
        }
    }
}
