package dev.canyon.job;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.blob.TransientBlobService;
import org.apache.flink.runtime.dispatcher.DispatcherGateway;
import org.apache.flink.runtime.dispatcher.DispatcherRestEndpoint;
import org.apache.flink.runtime.dispatcher.SessionDispatcherFactory;
import org.apache.flink.runtime.dispatcher.runner.DefaultDispatcherRunnerFactory;
import org.apache.flink.runtime.entrypoint.component.DefaultDispatcherResourceManagerComponentFactory;
import org.apache.flink.runtime.entrypoint.component.DispatcherResourceManagerComponentFactory;
import org.apache.flink.runtime.leaderelection.LeaderElection;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.resourcemanager.ResourceManagerGateway;
import org.apache.flink.runtime.resourcemanager.StandaloneResourceManagerFactory;
import org.apache.flink.runtime.rest.HttpMethodWrapper;
import org.apache.flink.runtime.rest.RestEndpointFactory;
import org.apache.flink.runtime.rest.handler.RestHandlerConfiguration;
import org.apache.flink.runtime.rest.handler.RestHandlerSpecification;
import org.apache.flink.runtime.rest.handler.legacy.metrics.MetricFetcher;
import org.apache.flink.runtime.rpc.FatalErrorHandler;
import org.apache.flink.runtime.webmonitor.WebMonitorEndpoint;
import org.apache.flink.runtime.webmonitor.retriever.LeaderGatewayRetriever;
import org.apache.flink.shaded.netty4.io.netty.channel.ChannelInboundHandler;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The Flink MiniCluster that Canyon's own commands run the job on ({@code canyon stack}, {@code
 * demo}, {@code analytics}): nothing listens off loopback (the REST endpoint, the blob server, the
 * JobManager's and TaskManager's RPC bind to 127.0.0.1; {@code StackExposureTest}), and the REST
 * endpoint is read-only: it serves only GET requests (job overview, metrics, checkpoints, the web
 * UI), so no HTTP request can cancel or stop the job, submit or upload a jar, trigger a savepoint,
 * rescale, or shut the cluster down (each answers 404 or 405). The commands submit the job to the
 * cluster in the same JVM, not over REST.
 */
public final class LocalCluster {
    /** The one address the local cluster binds to. */
    public static final String LOOPBACK = "127.0.0.1";

    private LocalCluster() {}

    /** Applies the loopback and web-UI settings to {@code conf} and returns it. */
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

    /**
     * An execution environment whose jobs run on a MiniCluster in this JVM with {@link
     * #secure(Configuration)}'s settings and a read-only REST endpoint.
     */
    public static StreamExecutionEnvironment environment(Configuration conf) {
        Configuration c = secure(new Configuration(conf));
        c.set(DeploymentOptions.TARGET, LocalExecutor.NAME);
        c.set(DeploymentOptions.ATTACHED, true);
        PipelineExecutorFactory factory = new PipelineExecutorFactory() {
            @Override
            public String getName() {
                return LocalExecutor.NAME;
            }

            @Override
            public boolean isCompatibleWith(Configuration configuration) {
                return true;
            }

            @Override
            public PipelineExecutor getExecutor(Configuration configuration) {
                return LocalExecutor.createWithFactory(configuration, ReadOnlyMiniCluster::new);
            }
        };
        PipelineExecutorServiceLoader loader = new PipelineExecutorServiceLoader() {
            @Override
            public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
                return factory;
            }

            @Override
            public Stream<String> getExecutorNames() {
                return Stream.of(LocalExecutor.NAME);
            }
        };
        return new StreamExecutionEnvironment(loader, c, Thread.currentThread().getContextClassLoader());
    }

    /** Whether the read-only endpoint serves a handler: GET only. */
    static boolean readOnly(RestHandlerSpecification spec) {
        return spec.getHttpMethod() == HttpMethodWrapper.GET;
    }

    /** A MiniCluster whose REST endpoint serves GET requests only. */
    static final class ReadOnlyMiniCluster extends MiniCluster {
        ReadOnlyMiniCluster(MiniClusterConfiguration configuration) {
            super(configuration);
        }

        @Override
        protected DispatcherResourceManagerComponentFactory createDispatcherResourceManagerComponentFactory() {
            return new DefaultDispatcherResourceManagerComponentFactory(
                    DefaultDispatcherRunnerFactory.createSessionRunner(SessionDispatcherFactory.INSTANCE),
                    StandaloneResourceManagerFactory.getInstance(), new ReadOnlyRestEndpointFactory());
        }
    }

    /** Flink's session REST endpoint less every handler that is not a GET. */
    static final class ReadOnlyRestEndpointFactory implements RestEndpointFactory<DispatcherGateway> {
        @Override
        public WebMonitorEndpoint<DispatcherGateway> createRestEndpoint(Configuration configuration,
                LeaderGatewayRetriever<DispatcherGateway> dispatcherGatewayRetriever,
                LeaderGatewayRetriever<ResourceManagerGateway> resourceManagerGatewayRetriever,
                TransientBlobService transientBlobService, ScheduledExecutorService executor, MetricFetcher metricFetcher,
                LeaderElection leaderElection, FatalErrorHandler fatalErrorHandler) throws Exception {
            RestHandlerConfiguration handlers = RestHandlerConfiguration.fromConfiguration(configuration);
            return new DispatcherRestEndpoint(dispatcherGatewayRetriever, configuration, handlers,
                    resourceManagerGatewayRetriever, transientBlobService, executor, metricFetcher, leaderElection,
                    RestEndpointFactory.createExecutionGraphCache(handlers), fatalErrorHandler) {
                @Override
                protected List<Tuple2<RestHandlerSpecification, ChannelInboundHandler>> initializeHandlers(
                        CompletableFuture<String> localAddressFuture) {
                    return super.initializeHandlers(localAddressFuture).stream().filter(h -> readOnly(h.f0))
                            .collect(Collectors.toList());
                }
            };
        }
    }
}
