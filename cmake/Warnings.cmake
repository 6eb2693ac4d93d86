# Picky warnings for our own targets (STYLE rule 25). Applied per target, so that third-party
# headers included as SYSTEM do not trip them.
function(ub_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wswitch-enum
    -Wnon-virtual-dtor -Wsuggest-override -Wold-style-cast -Wcast-qual -Wundef)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false "may be used uninitialized" through std::variant inside tl::expected
    # at -O2 and above (GCC bug 105562 and relatives); clang builds keep the check.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(UB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
