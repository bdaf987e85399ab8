// `pop completion bash|zsh`: the bash script, sourced by a real bash, completes commands,
// subcommands, options and listed option values of the built `pop` binary's command tree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "e2e/dev_process_support.h"
#include "e2e/server_process_support.h"

namespace pop::testing {
namespace {

using ::testing::HasSubstr;

class CompletionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PopRun script = RunPop({"completion", "bash"});
    ASSERT_EQ(script.exit_code, 0) << script.err;
    std::ofstream(script_) << script.out;
  }

  // What bash's completion function offers for the command line `words` (the last one is the
  // word being completed), one answer per line of the result.
  std::string Complete(const std::string& words) {
    const std::filesystem::path runner = dir_.path() / "complete.sh";
    std::ofstream(runner) << "source " << script_.string() << "\n"
                          << "COMP_WORDS=(" << words << ")\n"
                          << "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
                          << "_pop\n"
                          << "echo \"${COMPREPLY[*]}\"\n";
    const std::string output = dir_.path() / "out.txt";
    const std::string command = "bash " + runner.string() + " > " + output + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    std::ifstream in(output);
    std::string line;
    std::getline(in, line);
    return line;
  }

  TempDir dir_;
  std::filesystem::path script_ = dir_.path() / "pop-completion.bash";
};

TEST_F(CompletionTest, BashCompletesCommandsSubcommandsOptionsAndListedValues) {
  EXPECT_EQ(Complete("pop ag"), "agenda");
  EXPECT_EQ(Complete("pop agenda l"), "list logs");
  EXPECT_EQ(Complete("pop agenda list --out"), "--output");
  EXPECT_EQ(Complete("pop agenda list --output ''"), "table json yaml");
  EXPECT_EQ(Complete("pop agenda get ID -o y"), "yaml");
  EXPECT_EQ(Complete("pop handler l"), "list");
  // Option values and ids between the words do not lose the command's place.
  EXPECT_EQ(Complete("pop agenda logs ID --operation b --fo"), "--follow");
}

TEST_F(CompletionTest, ZshScriptIsGeneratedFromTheSameTreeAndOtherShellsAreRefused) {
  PopRun zsh = RunPop({"completion", "zsh"});
  PopRun fish = RunPop({"completion", "fish"});
  EXPECT_EQ(zsh.exit_code, 0) << zsh.err;
  EXPECT_THAT(zsh.out, HasSubstr("#compdef pop"));
  EXPECT_THAT(zsh.out, HasSubstr("'agenda') print -rl -- 'submit:"));
  EXPECT_THAT(zsh.out, HasSubstr("'agenda list --output') echo 'table json yaml'"));
  EXPECT_EQ(fish.exit_code, 2);
  EXPECT_THAT(fish.err, HasSubstr("fish"));
}

}  // namespace
}  // namespace pop::testing
