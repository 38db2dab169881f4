namespace Purelb.Kube;

/// <summary>
/// The only part of an informer that talks to the API server: list everything, then watch from a resourceVersion.
/// Failures surface as exceptions sorted by <see cref="ApiError"/>: a compacted resourceVersion throws a
/// <see cref="KubeApiException"/> of kind <see cref="ApiErrorKind.Expired"/>.
/// </summary>
public interface IListWatch<T> where T : class
{
    Task<ListResult<T>> ListAsync(CancellationToken ct);

    /// <summary>Events after <paramref name="resourceVersion"/>, bookmarks included, until the server ends the
    /// watch (normal completion) or it fails (exception).</summary>
    IAsyncEnumerable<WatchEvent<T>> WatchAsync(string resourceVersion, CancellationToken ct);
}
