module milvus_import/bindings/go

go 1.19
