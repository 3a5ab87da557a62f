import Foundation

/// The plan and contract step: the model's plan (under its JSON schema when the generator constrains
/// sampling), else the rules' plan; then the contract read from the description and that answer.
struct Planner {
    let generator: any TextGenerator
    let renderer: TemplateRenderer
    let sampling: SamplingOptions
    let asker: ModelAsker
    let say: (String, String) -> Void

    /// The project as planned: plan and contract final, nothing written.
    func plan(_ spec: ProjectSpec) throws -> Project {
        var spec = spec
        let asked = try makePlan(spec)
        let contract = ContractReader.merge(ContractReader.explicit(spec, plan: asked.plan), answer: asked.answer, spec: spec, plan: asked.plan)
        let plan = contract.refine(asked.plan, javaScript: spec.pinned.wantsJavaScript)
        if let name = contract.name { spec.projectName = name }
        var project = Project(spec: spec, plan: plan, contract: contract)
        project.planRecord = asked.record
        project.planComplete = asked.complete
        return project
    }

    /// Whether the plan is asked under its JSON schema: with generators that constrain sampling, unless
    /// `DEEPCODER_PLAN_SCHEMA=off` (for measuring plans with and without it; docs/QUALITY.md).
    var constrainsPlan: Bool {
        generator.followsJSONSchema && ProcessInfo.processInfo.environment["DEEPCODER_PLAN_SCHEMA"] != "off"
    }

    /// The model's plan answer and the plan read from it (the rules' plan when it is not usable).
    func makePlan(_ spec: ProjectSpec) throws -> (plan: ProjectPlan, answer: String, complete: Bool?, record: FileGenerationRecord) {
        let rules = PlanBuilder.ruleBased(spec)
        let prompt = try renderer.render("prompts/plan.mustache", ["description": spec.description, "pinned": FilePrompts.pinnedText(spec, contract: nil, port: rules.port),
                                                                  "exampleKind": PlanBuilder.pinnedKind(spec.pinned)?.rawValue ?? "json-api",
                                                                  "pinnedKind": PlanBuilder.pinnedKind(spec.pinned)?.rawValue ?? false])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        say("plan", "asking the model for a plan")
        var sampling = self.sampling
        sampling.maxTokens = min(sampling.maxTokens, 1200)
        // a generator that constrains its sampling gets the plan's schema: its answer then always parses
        let schema = constrainsPlan ? PlanBuilder.schema(try renderer.source("prompts/plan.schema.json"),
                                                         kind: PlanBuilder.pinnedKind(spec.pinned)) : nil
        let (out, rec) = try asker.ask([ChatTurn(role: .system, content: try FilePrompts.systemPrompt(renderer)), ChatTurn(role: .user, content: prompt)],
                                 sampling: sampling, label: "plan", template: "prompts/plan.mustache", jsonSchema: schema)
        if out.schemaComplete == false {
            say("plan", "the plan answer was cut short (\(out.stopReason)) before it was complete; reading what it has")
        }
        do {
            return (try PlanBuilder.fromModelAnswer(out.text, spec: spec), out.text, out.schemaComplete, rec)
        } catch {
            say("plan", "model plan not usable (\(error)); using the rule-based plan")
            var p = rules
            p.notes.append("model plan rejected: \(error)")
            return (p, out.text, out.schemaComplete, rec)
        }
    }
}
