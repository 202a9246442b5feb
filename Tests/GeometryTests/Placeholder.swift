import Testing
@Test func placeholderGeometryTests() {}
