// Parses Groovy files (the example Jenkinsfile) without running them: a syntax error fails with
// its line and column. Declarative pipelines are Groovy, so this catches unbalanced braces,
// quotes and malformed step calls; it does not validate the declarative model (that needs a
// Jenkins controller's linter).
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases

args.each { path ->
    def unit = new CompilationUnit()
    unit.addSource(new File(path))
    unit.compile(Phases.CONVERSION)
    println "groovy syntax ok: ${path}"
}
