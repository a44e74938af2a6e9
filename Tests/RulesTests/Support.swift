import Foundation
import TestSupport

enum TestPaths {
    static let packageRoot: URL = Repository.root
    static let fixtures: URL = Repository.fixtures("RulesTests")
}
