import OCI

typealias OCIDigest = OCI.Digest
typealias OCIDigestAlgorithm = OCI.Digest.Algorithm
typealias OCIDigester = OCI.Digester

typealias RepositoryNameValidator = OCI.RepositoryName
