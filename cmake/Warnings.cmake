# Picky warnings for our own targets (STYLE rule 25). Applied per target, so that third-party
# headers included as SYSTEM do not trip them.
function(ub_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wswitch-enum
    -Wnon-virtual-dtor -Wsuggest-override -Wold-style-cast -Wcast-qual -Wundef)
  if(UB_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
