/// Berth's release version, printed by `berth --version`.
public enum BerthVersion {
    public static let current = "0.1.0"
}
