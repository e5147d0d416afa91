package dev.canyon.contract.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Kafka client properties from a file, as Kafka's own tools take them ({@code --command-config}):
 * a Java properties file with the security settings ({@code security.protocol}, {@code
 * sasl.mechanism}, {@code sasl.jaas.config}, {@code ssl.truststore.location}, ...) and any other
 * client setting. Secrets belong in such a file (readable by the user alone), never on a command
 * line, where every user of the machine sees them ({@code ps}); {@link #refuseSecrets} is the
 * check the command-line options apply.
 *
 * <p>Every Canyon process that talks to Kafka reads the file named by {@value #ENV} when it has no
 * explicit one (the CLI's {@code --kafka-config}, the listener's {@code
 * TelemetryConfig.Builder.kafkaPropertiesFrom}).
 */
public final class KafkaClientProperties {
    /** Environment variable naming the client properties file. */
    public static final String ENV = "CANYON_KAFKA_CONFIG";

    private KafkaClientProperties() {}

    /**
     * Reads {@code file}. Fails with an {@link IllegalArgumentException} naming the file when it is
     * missing, not a regular file, unreadable or malformed, or when it sets {@code bootstrap.servers}
     * (the servers are given apart, so that one setting decides them). Messages never quote the
     * file's content.
     */
    public static Map<String, String> load(Path file) {
        if (file == null) {
            throw new IllegalArgumentException("no Kafka client configuration file given");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("Kafka client configuration file " + file + " does not exist");
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("Kafka client configuration file " + file + " is not a regular file");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("Kafka client configuration file " + file + " is not readable by this user");
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read Kafka client configuration file " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // Properties.load: a malformed \\uxxxx escape (its message does not quote the content).
            throw new IllegalArgumentException("Kafka client configuration file " + file + " is malformed: " + e.getMessage(), e);
        }
        Map<String, String> out = new TreeMap<>();
        for (String k : p.stringPropertyNames()) {
            out.put(k, p.getProperty(k).strip());
        }
        if (out.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("Kafka client configuration file " + file + " sets bootstrap.servers; give the "
                    + "servers with --bootstrap-servers or $CANYON_KAFKA instead, and keep the file to client settings");
        }
        return Map.copyOf(out);
    }

    /** The properties of the file {@value #ENV} names in {@code env}; none when it is unset or blank. */
    public static Map<String, String> fromEnvironment(Map<String, String> env) {
        String file = env.get(ENV);
        if (file == null || file.isBlank()) {
            return Map.of();
        }
        try {
            return load(Path.of(file.strip()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ENV + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether a client property's value is a secret: {@code sasl.jaas.config} (also
     * listener-prefixed), anything ending in {@code .password} ({@code ssl.key.password}, {@code
     * ssl.keystore.password}, {@code ssl.truststore.password}, ...), a PEM private key ({@code
     * ssl.keystore.key}), {@code basic.auth.user.info} and {@code *.user.info}, and anything whose
     * name mentions a secret, a credential value or a token value ({@code
     * sasl.oauthbearer.client.credentials.client.secret}, ...).
     */
    public static boolean isSecret(String key) {
        String k = key.strip().toLowerCase(Locale.ROOT);
        return k.equals("sasl.jaas.config") || k.endsWith(".sasl.jaas.config")
                || k.endsWith(".password") || k.equals("password")
                || k.equals("ssl.keystore.key") || k.endsWith(".ssl.keystore.key")
                || k.endsWith("user.info")
                || k.contains("secret")
                || k.endsWith(".token") || k.endsWith("access.token") || k.endsWith(".assertion");
    }

    /**
     * Fails when {@code commandLine} (properties given on a command line with {@code option}) holds
     * a secret ({@link #isSecret}): the message names the keys, never their values, and says to put
     * them in the {@code --kafka-config} file.
     */
    public static void refuseSecrets(Map<String, String> commandLine, String option) {
        java.util.List<String> secret = commandLine.keySet().stream().filter(KafkaClientProperties::isSecret).sorted().toList();
        if (!secret.isEmpty()) {
            throw new IllegalArgumentException(option + " " + String.join(", ", secret) + ": secrets are refused on the command "
                    + "line (every user of this machine sees it in the process list); put "
                    + (secret.size() == 1 ? "it" : "them") + " in a properties file readable only by you and pass --kafka-config "
                    + "FILE (or set $" + ENV + ")");
        }
    }

    /** {@code file}'s properties, then {@code commandLine}'s over them (the command line is more specific). */
    public static Map<String, String> merge(Map<String, String> file, Map<String, String> commandLine) {
        Map<String, String> out = new LinkedHashMap<>(file);
        out.putAll(commandLine);
        return out;
    }
}
