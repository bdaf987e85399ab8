# The sample handler's image (`pop handler sample`, docs/handlers.md): the pop binary with the
# handler as its command. Build from the repository's root after the pop image:
#   docker build -f deploy/docker/sample-handler.Dockerfile -t pop-sample-handler:latest .
FROM pop:latest
ENTRYPOINT ["/usr/local/bin/pop", "handler", "sample"]
