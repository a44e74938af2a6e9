import Foundation
import OCI

/// The verdict on one image a deployment would run.
public struct DeploymentVerdict: Sendable, Codable, Equatable {
    /// The image as the manifests name it.
    public var image: String
    /// Whether it is pinned by digest and a signature of that digest verifies.
    public var verified: Bool
    /// Why, one line.
    public var reason: String
    /// Every signature found and its verdict.
    public var signatures: [SignatureVerdict]
}

/// The admission check a cluster would make, made before deploying: every image must be referenced
/// by digest and carry a signature of that digest that verifies under the policy.
public enum DeploymentVerification {
    /// Verifies each distinct image; `checkRepository` also requires each signature to name the
    /// image's own repository.
    public static func verify(
        images: [String], policy: VerificationPolicy, checkRepository: Bool = false,
        access: RegistryAccess = RegistryAccess()
    ) async -> [DeploymentVerdict] {
        var seen: Set<String> = []
        var verdicts: [DeploymentVerdict] = []
        for image in images where seen.insert(image).inserted {
            verdicts.append(
                await verify(image: image, policy: policy, checkRepository: checkRepository, access: access))
        }
        return verdicts
    }

    static func verify(image: String, policy: VerificationPolicy, checkRepository: Bool, access: RegistryAccess)
        async -> DeploymentVerdict
    {
        func refuse(_ reason: String) -> DeploymentVerdict {
            DeploymentVerdict(image: image, verified: false, reason: reason, signatures: [])
        }
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: image)
        } catch {
            return refuse("\(error)")
        }
        guard let digest = reference.digest else {
            return refuse("not referenced by digest: a tag can be moved to an unsigned image")
        }
        let loaded: SignedImage
        do {
            loaded = try await SignatureStore.load(.registry(reference), access: access)
        } catch {
            return refuse("cannot read its signatures: \(error)")
        }
        var imagePolicy = policy
        if checkRepository { imagePolicy.repository = reference.name }
        let verdict = await SignatureVerifier(policy: imagePolicy).verify(loaded.signatures, manifestDigest: digest)
        let reason =
            verdict.signatures.first(where: \.verified)?.reason
            ?? (verdict.signatures.isEmpty
                ? "no signature of \(digest)"
                : verdict.signatures.map { "\($0.source): \($0.reason)" }.joined(separator: "; "))
        return DeploymentVerdict(
            image: image, verified: verdict.verified, reason: reason, signatures: verdict.signatures)
    }
}
