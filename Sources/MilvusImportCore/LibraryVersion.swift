import CMilvusImport

public enum LibraryVersion {
    /// The header's MILVUS_IMPORT_VERSION, the one place the version is written.
    public static let text: String = MILVUS_IMPORT_VERSION
}
