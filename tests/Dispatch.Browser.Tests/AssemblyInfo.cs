// One browser test class at a time. Each class runs its own server and chromium; two at once on a two-core CI runner
// starved both circuits enough that typed keys were overwritten by late renders (Blazor Server sends every keystroke to
// the circuit) and page loads ran past a minute. The browser tests are about what a person sees, not about load.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
