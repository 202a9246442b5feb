import Testing
@Test func placeholderCaptureTests() {}
