// SharedBytes (protocol/common/shared_bytes.hpp): a range of a buffer several readers keep alive.
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include "protocol/common/shared_bytes.hpp"

using ub::Byte;
using ub::SharedBytes;

TEST_CASE("SharedBytes: view, validity, and narrowing to a part of the range", "[common]") {
  auto buf = std::make_shared<const std::vector<Byte>>(std::vector<Byte>{0, 1, 2, 3, 4, 5, 6, 7});
  const SharedBytes r{buf, 2, 5}; // bytes 2..6
  REQUIRE(r.valid());
  REQUIRE(r.view().size() == 5);
  CHECK(r.view()[0] == 2);
  // A part of the range: same owner, offset within the owner.
  const SharedBytes n = r.narrow(r.view().subspan(1, 3));
  CHECK(n.owner == buf);
  CHECK(n.offset == 3);
  CHECK(n.length == 3);
  CHECK(n.view()[0] == 3);
  CHECK(n.view()[2] == 5);
  CHECK(r.narrow(r.view()).offset == 2);
  // Outside the range (even inside the owner), or empty: nothing.
  CHECK(r.narrow(std::span<const Byte>(*buf).subspan(0, 3)).empty());
  CHECK(r.narrow(std::span<const Byte>(*buf).subspan(6, 2)).empty());
  CHECK(r.narrow(r.view().subspan(2, 0)).empty());
  const std::vector<Byte> other{2, 3, 4};
  CHECK(r.narrow(other).empty());
  // A range past its owner's end is not valid and views as nothing.
  const SharedBytes bad{buf, 6, 5};
  CHECK_FALSE(bad.valid());
  CHECK(bad.view().empty());
  CHECK(bad.narrow(std::span<const Byte>(*buf).subspan(6, 2)).empty());
}
