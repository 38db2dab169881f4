# syntax=docker/dockerfile:1
# Stage 1: native-AOT publish. The SDK image plus clang and zlib, which the AOT linker needs.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY purelb.csproj Directory.Build.props ./
RUN dotnet restore purelb.csproj -r linux-x64
COPY . .
RUN dotnet publish purelb.csproj -c Release -r linux-x64 -o /out --no-restore -p:DebugType=None

# Stage 2: distroless "static" (no shell, no package manager, CA certificates and the nonroot user) plus exactly
# the shared libraries the native binary loads: the dynamic loader, libc and libm (its ELF needs), and OpenSSL's
# libssl/libcrypto (opened at the first TLS connection to the API server). distroless/base would add ~18 MB of
# libraries we never load. Taken from the build stage so they match the glibc the binary was linked against;
# tests/Purelb.Tests/Deploy/DockerfileTests.cs runs the binary in a root made of exactly these files.
FROM gcr.io/distroless/static-debian12:nonroot AS final
COPY --from=build /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2
COPY --from=build /usr/lib/x86_64-linux-gnu/libc.so.6 /usr/lib/x86_64-linux-gnu/libm.so.6 /usr/lib/x86_64-linux-gnu/
COPY --from=build /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 /usr/lib/x86_64-linux-gnu/
COPY --from=build /out/purelb /usr/local/bin/purelb
# OpenSSL's compiled-in trust store path (/usr/lib/ssl) is not in this image; the CA bundle of distroless is.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# The allocator runs as this non-root user with a read-only root filesystem; the agent's DaemonSet
# overrides the user (root) and grants only NET_ADMIN and NET_RAW.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/purelb"]
CMD ["--help"]
