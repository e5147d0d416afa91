package dev.canyon.job;

import org.apache.flink.configuration.Configuration;

/**
 * Settings of the Flink MiniCluster that Canyon's own commands run the job on ({@code canyon stack},
 * {@code demo}, {@code analytics}): nothing listens off loopback (the REST endpoint, the blob server,
 * the JobManager's and TaskManager's RPC bind to 127.0.0.1; {@code StackExposureTest}), and the web
 * UI offers no submit, cancel or rescale. The REST API itself still accepts a cancel request from
 * this machine (measured: {@code PATCH /jobs/<id>?mode=cancel} answered 202 and the stack exited);
 * refusing it is left to issue 15.
 */
public final class LocalCluster {
    /** The one address the local cluster binds to. */
    public static final String LOOPBACK = "127.0.0.1";

    private LocalCluster() {}

    /** Applies the settings to {@code conf} and returns it. */
    public static Configuration secure(Configuration conf) {
        conf.setString("rest.bind-address", LOOPBACK);
        conf.setString("rest.address", LOOPBACK);
        conf.setString("jobmanager.bind-host", LOOPBACK);
        conf.setString("jobmanager.rpc.address", LOOPBACK);
        conf.setString("taskmanager.bind-host", LOOPBACK);
        conf.setString("taskmanager.host", LOOPBACK);
        conf.setString("web.cancel.enable", "false");
        conf.setString("web.submit.enable", "false");
        conf.setString("web.rescale.enable", "false");
        return conf;
    }
}
