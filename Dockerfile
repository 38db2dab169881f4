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

# Stage 2: distroless, no shell, no package manager. The native binary needs only glibc.
FROM gcr.io/distroless/base-debian12:nonroot AS final
COPY --from=build /out/purelb /usr/local/bin/purelb
# The allocator runs as this non-root user with a read-only root filesystem; the agent's DaemonSet
# overrides the user (root) and grants only NET_ADMIN and NET_RAW.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/purelb"]
CMD ["--help"]
