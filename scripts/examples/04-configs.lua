-- Configurations: a scenario can ask for its own heap configuration, as a
-- YAML profile (paths relative to this file), a table shaped like the YAML,
-- or a list of both (later layers win).  gclab.heap(cfg) makes extra heaps
-- to compare policies side by side.

local TINY = "../../configs/tiny.yaml"

-- tiny.yaml sets sizes only; the policies come from the layer below it (the
-- built-in default, or the profile given with `gclab run --config`).  This
-- scenario states that it expects a different answer under classic.yaml.
scenario("the heap's configuration is a table", {config = TINY, fails_on = {"classic"}}, function(heap)
  local c = heap.config
  expect(c.page_size).to_be(4096)
  expect(c.new_space.promotion.policy).to_be("age_mark")
  expect(c.old_space.compaction.strategy).to_be("evacuate")
end)

scenario("a table layered over a profile", {config = {TINY, new_space = {promotion = {age = 3}}}},
  function(heap)
  expect(heap.config.new_space.promotion.age).to_be(3)
  expect(heap.config.page_size).to_be(4096) -- from the profile
end)

scenario("two promotion policies, one program", function(heap)
  local function survivals_until_old(h)
    local o = h:root(h:alloc(1))
    local n = 0
    while o.space == "new" do h:scavenge(); n = n + 1 end
    return n
  end
  local dir = SCENARIO_DIR .. "/" -- the directory of this file
  local age_mark = gclab.heap(dir .. TINY)
  local later = gclab.heap({dir .. TINY, new_space = {promotion = {age = 4}}})
  expect(survivals_until_old(age_mark)).to_be(2)
  expect(survivals_until_old(later)).to_be(5)
  expect(survivals_until_old(heap)).to_be(heap.config.new_space.promotion.age + 1)
end)
