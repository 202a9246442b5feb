import Testing
@Test func placeholderSceneFormatTests() {}
