# The Canyon command line (trainer, demo, analytics on a MiniCluster) as an image.
# Build the jars on the host first: ./mvnw -B -DskipTests install
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless dataset-fashion-mnist \
 && rm -rf /var/lib/apt/lists/*
COPY cli/target/lib /opt/canyon/lib
COPY cli/target/canyon.jar /opt/canyon/canyon.jar
COPY jvm-opens.args /opt/canyon/jvm-opens.args
ENV CANYON_JAVA_OPTS="-Xmx4g"
ENTRYPOINT ["sh", "-c", "exec java $CANYON_JAVA_OPTS @/opt/canyon/jvm-opens.args --add-modules=jdk.incubator.vector -jar /opt/canyon/canyon.jar \"$@\"", "canyon"]
CMD ["train", "--help"]
