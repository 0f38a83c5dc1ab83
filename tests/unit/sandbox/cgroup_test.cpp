// SPDX-License-Identifier: Apache-2.0
// Cgroup detection and arithmetic against fake /proc texts and a fake cgroup tree in a temp
// dir: v1 hosts (controllers on separate hierarchies, a v2 hierarchy without controllers),
// v2 hosts, partial delegation, containers without a cgroup namespace; the control-file
// writes for both versions; the counters' parsing.
#include "sandbox/cgroup.hpp"

#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace lambdahost::sandbox {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

// A Debian host with cgroup v1 controllers (this project's CI machine).
constexpr const char* kV1Cgroup =
    "9:name=systemd:/\n"
    "8:pids:/\n"
    "5:devices:/\n"
    "4:memory:/jobs/42\n"
    "2:cpu,cpuacct:/\n"
    "0::/\n";
constexpr const char* kV1Mountinfo =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

// A systemd host on the unified hierarchy.
constexpr const char* kV2Cgroup = "0::/system.slice/lambdahost.service\n";
constexpr const char* kV2Mountinfo =
    "24 1 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

class CgroupDetection : public ::testing::Test {
protected:
    fs::path root() const { return dir_.path(); }
    fs::path at(const std::string& path) const { return root() / fs::path(path).relative_path(); }

private:
    test::TempDir dir_;
};

TEST_F(CgroupDetection, V1ControllersOnTheirOwnHierarchiesAtTheServersCgroup) {
    write(at("/sys/fs/cgroup/unified/cgroup.controllers"), "\n");  // v2 without controllers
    const auto layout = detect_cgroups(kV1Cgroup, kV1Mountinfo, root());
    EXPECT_THAT(layout.missing, IsEmpty());
    ASSERT_EQ(layout.hierarchies.size(), 3U);
    const auto& cpu = layout.hierarchies[0];
    EXPECT_EQ(cpu.version, CgroupVersion::V1);
    EXPECT_EQ(cpu.own, at("/sys/fs/cgroup/cpu,cpuacct"));
    EXPECT_THAT(cpu.controllers, ElementsAre(Controller::Cpu));
    const auto& memory = layout.hierarchies[1];
    EXPECT_EQ(memory.own, at("/sys/fs/cgroup/memory/jobs/42"));
    EXPECT_THAT(memory.controllers, ElementsAre(Controller::Memory));
    const auto& pids = layout.hierarchies[2];
    EXPECT_EQ(pids.own, at("/sys/fs/cgroup/pids"));
    EXPECT_THAT(pids.controllers, ElementsAre(Controller::Pids));
}

TEST_F(CgroupDetection, V2ControllersFromCgroupControllers) {
    write(at("/sys/fs/cgroup/system.slice/lambdahost.service/cgroup.controllers"),
          "cpuset cpu io memory hugetlb pids rdma misc\n");
    const auto layout = detect_cgroups(kV2Cgroup, kV2Mountinfo, root());
    EXPECT_THAT(layout.missing, IsEmpty());
    ASSERT_EQ(layout.hierarchies.size(), 1U);
    const auto& v2 = layout.hierarchies[0];
    EXPECT_EQ(v2.version, CgroupVersion::V2);
    EXPECT_EQ(v2.own, at("/sys/fs/cgroup/system.slice/lambdahost.service"));
    EXPECT_THAT(v2.controllers, ElementsAre(Controller::Memory, Controller::Cpu, Controller::Pids));
}

TEST_F(CgroupDetection, V2PartialDelegationLeavesTheRestMissing) {
    write(at("/sys/fs/cgroup/system.slice/lambdahost.service/cgroup.controllers"), "memory pids\n");
    const auto layout = detect_cgroups(kV2Cgroup, kV2Mountinfo, root());
    EXPECT_THAT(layout.missing, ElementsAre(Controller::Cpu));
    ASSERT_EQ(layout.hierarchies.size(), 1U);
    EXPECT_THAT(layout.hierarchies[0].controllers,
                ElementsAre(Controller::Memory, Controller::Pids));
}

TEST_F(CgroupDetection, HybridTakesEachControllerWhereItIsBound) {
    // memory on v1; cpu and pids only on the v2 hierarchy.
    write(at("/sys/fs/cgroup/unified/cgroup.controllers"), "cpu pids\n");
    const auto layout = detect_cgroups("4:memory:/\n0::/\n",
                                       "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup "
                                       "rw,memory\n"
                                       "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 "
                                       "rw\n",
                                       root());
    EXPECT_THAT(layout.missing, IsEmpty());
    ASSERT_EQ(layout.hierarchies.size(), 2U);
    EXPECT_EQ(layout.hierarchies[0].version, CgroupVersion::V2);
    EXPECT_THAT(layout.hierarchies[0].controllers, ElementsAre(Controller::Cpu, Controller::Pids));
    EXPECT_EQ(layout.hierarchies[1].version, CgroupVersion::V1);
    EXPECT_THAT(layout.hierarchies[1].controllers, ElementsAre(Controller::Memory));
}

TEST_F(CgroupDetection, ContainerWithoutCgroupNamespaceUsesTheMountedSubtree) {
    // /proc/self/cgroup shows the host path; the mount's root is that same cgroup.
    write(at("/sys/fs/cgroup/cgroup.controllers"), "memory cpu pids\n");
    const auto layout =
        detect_cgroups("0::/docker/abc\n",
                       "600 500 0:30 /docker/abc /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n",
                       root());
    ASSERT_EQ(layout.hierarchies.size(), 1U);
    EXPECT_EQ(layout.hierarchies[0].own, at("/sys/fs/cgroup"));
}

TEST_F(CgroupDetection, EscapedMountPoints) {
    write(at("/sys/fs/my cgroup/cgroup.controllers"), "memory\n");
    const auto layout = detect_cgroups(
        "0::/\n", "40 30 0:37 / /sys/fs/my\\040cgroup rw - cgroup2 cgroup2 rw\n", root());
    ASSERT_EQ(layout.hierarchies.size(), 1U);
    EXPECT_EQ(layout.hierarchies[0].own, at("/sys/fs/my cgroup"));
}

TEST_F(CgroupDetection, NoCgroupsAtAll) {
    const auto layout = detect_cgroups("", "22 1 0:21 / / rw - ext4 /dev/vda rw\n", root());
    EXPECT_THAT(layout.hierarchies, IsEmpty());
    EXPECT_THAT(layout.missing, ElementsAre(Controller::Memory, Controller::Cpu, Controller::Pids));
}

TEST(CgroupArithmetic, CpuInProportionToMemory) {
    // AWS: 1769 MB is one vCPU.
    EXPECT_EQ(cpu_quota(1769).quota_us, 100'000);
    EXPECT_EQ(cpu_quota(1769).period_us, 100'000);
    EXPECT_EQ(cpu_quota(128).quota_us, 7'236);      // 128/1769 of a CPU, rounded up
    EXPECT_EQ(cpu_quota(3538).quota_us, 200'000);   // two vCPUs
    EXPECT_EQ(cpu_quota(10240).quota_us, 578'859);  // AWS's largest size: ~5.8 vCPUs
    EXPECT_EQ(cpu_quota(1).quota_us, kMinCpuQuotaUs);
}

TEST(CgroupArithmetic, MemoryIsMebibytes) {
    EXPECT_EQ(memory_limit_bytes(128), 134'217'728);
    EXPECT_EQ(memory_limit_bytes(10240), 10'737'418'240);
}

std::vector<std::string> rendered(const std::vector<ControlWrite>& writes) {
    std::vector<std::string> lines;
    for (const auto& write : writes) {
        lines.push_back(write.file + "=" + write.value + (write.optional ? " (optional)" : ""));
    }
    return lines;
}

TEST(CgroupLimits, V1WritesPerController) {
    const Hierarchy memory{CgroupVersion::V1, "/m", {Controller::Memory}};
    EXPECT_THAT(rendered(limit_writes(memory, 256)),
                ElementsAre("memory.limit_in_bytes=268435456",
                            "memory.memsw.limit_in_bytes=268435456 (optional)",
                            "memory.swappiness=0 (optional)"));
    const Hierarchy cpu{CgroupVersion::V1, "/c", {Controller::Cpu}};
    EXPECT_THAT(rendered(limit_writes(cpu, 128)),
                ElementsAre("cpu.cfs_period_us=100000", "cpu.cfs_quota_us=7236"));
    const Hierarchy pids{CgroupVersion::V1, "/p", {Controller::Pids}};
    EXPECT_THAT(rendered(limit_writes(pids, 128)), ElementsAre("pids.max=1024"));
}

TEST(CgroupLimits, V2WritesAllInOneDirectory) {
    const Hierarchy v2{
        CgroupVersion::V2, "/u", {Controller::Memory, Controller::Cpu, Controller::Pids}};
    EXPECT_THAT(rendered(limit_writes(v2, 1769)),
                ElementsAre("memory.max=1854930944",
                            "memory.swap.max=0 (optional)",
                            "memory.oom.group=1 (optional)",
                            "cpu.max=100000 100000",
                            "pids.max=1024"));
}

TEST(CgroupCounters, KeyedValues) {
    const std::string oom_control = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
    EXPECT_EQ(keyed_value(oom_control, "oom_kill"), 3U);
    EXPECT_EQ(keyed_value(oom_control, "under_oom"), 0U);
    const std::string events = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 1\n";
    EXPECT_EQ(keyed_value(events, "oom"), 2U);  // not oom_kill's line
    EXPECT_EQ(keyed_value(events, "oom_kill"), 1U);
    EXPECT_EQ(keyed_value("under_oom 0\n", "oom_kill"), std::nullopt);  // kernels before 4.13
}

}  // namespace
}  // namespace lambdahost::sandbox
