//! One source, two instantiations: how the storage logic is written once and compiled
//! as plain blocking code over [`BlockDevice`] and, with feature `async`, as `async fn`s
//! over `AsyncBlockDevice`.
//!
//! Every function of the storage logic that reaches the device (copies, journal,
//! commit, reload, the region operations) is written once, inside [`maybe_async!`], as
//! an `async fn` over `D: Device`, each device access and each call of another such
//! function wrapped in `io!(…)`. The macro emits the items twice, into two child
//! modules of the file:
//!
//! | module | `Device` is | `async fn` becomes | `io!(call)` becomes |
//! |---|---|---|---|
//! | `blocking` | [`BlockingDevice`] (every [`BlockDevice`]) | `fn` | `call` |
//! | `asynchronous` (feature `async`) | `AsyncBlockDevice` | `async fn` | `call.await` |
//!
//! So the blocking API is plain synchronous code — no futures, no state machines,
//! which in firmware built at opt-level `z` cost about 12 KiB of flash and 1 KiB of
//! stack — and without feature `async` no async code is compiled at all. Both
//! instantiations make the same device calls in the same order (the async API's
//! differential and power-cut tests check it).
//!
//! Methods cannot be defined twice on one type, so an `impl Trait for Type { … }`
//! block inside the macro declares the trait in each module (`blocking::Trait`,
//! `asynchronous::Trait`) with the methods' signatures and implements it with their
//! bodies: inside a module, `self.method(…)` finds that module's trait. Calls from one
//! file's logic into another's go through imports the macro resolves per module
//! (`use { copies::{CopiesIo as _, write_block} };` imports from `copies::blocking` in
//! the blocking module, from `copies::asynchronous` in the other). The modules see their
//! file's items and imports (`use super::*`), so code outside them names the modules'
//! traits by path (`blocking::StoredIo::reload_on(self, …)`) and never imports them: an
//! import would be seen by both modules and make their methods ambiguous.

use core::fmt;

use super::device::BlockDevice;
use crate::block::BlockSize;

/// What the blocking instantiation of the storage logic calls on a device: a
/// [`BlockDevice`] with NOR flash's in-place operations as methods (through
/// [`BlockDevice::flash`]), under the names and signatures `AsyncBlockDevice` has, so
/// that one body compiles against either. Implemented for every [`BlockDevice`];
/// implementors of [`BlockDevice`] see nothing of it.
pub(crate) trait BlockingDevice {
    /// The device's error.
    type Error: fmt::Debug;

    /// [`BlockDevice::block_size`].
    fn block_size(&self) -> BlockSize;

    /// [`BlockDevice::block_count`].
    fn block_count(&self) -> u64;

    /// [`BlockDevice::read_block`].
    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error>;

    /// [`BlockDevice::write_block`].
    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error>;

    /// [`BlockDevice::sync`].
    fn sync(&mut self) -> Result<(), Self::Error>;

    /// The flash's program unit if the device offers [`BlockDevice::flash`].
    fn program_size(&mut self) -> Option<usize>;

    /// Erases block `index` if the device is flash; `None` if it is not.
    fn erase_block(&mut self, index: u64) -> Option<Result<(), Self::Error>>;

    /// Programs `data` at byte `offset` of block `index` if the device is flash; `None`
    /// if it is not.
    fn program(
        &mut self,
        index: u64,
        offset: usize,
        data: &[u8],
    ) -> Option<Result<(), Self::Error>>;
}

impl<T: BlockDevice + ?Sized> BlockingDevice for T {
    type Error = T::Error;

    #[inline]
    fn block_size(&self) -> BlockSize {
        BlockDevice::block_size(self)
    }

    #[inline]
    fn block_count(&self) -> u64 {
        BlockDevice::block_count(self)
    }

    #[inline]
    fn read_block(&mut self, index: u64, buffer: &mut [u8]) -> Result<(), Self::Error> {
        BlockDevice::read_block(self, index, buffer)
    }

    #[inline]
    fn write_block(&mut self, index: u64, data: &[u8]) -> Result<(), Self::Error> {
        BlockDevice::write_block(self, index, data)
    }

    #[inline]
    fn sync(&mut self) -> Result<(), Self::Error> {
        BlockDevice::sync(self)
    }

    #[inline]
    fn program_size(&mut self) -> Option<usize> {
        self.flash().map(|flash| flash.program_size())
    }

    #[inline]
    fn erase_block(&mut self, index: u64) -> Option<Result<(), Self::Error>> {
        self.flash().map(|flash| flash.erase_block(index))
    }

    #[inline]
    fn program(
        &mut self,
        index: u64,
        offset: usize,
        data: &[u8],
    ) -> Option<Result<(), Self::Error>> {
        self.flash().map(|flash| flash.program(index, offset, data))
    }
}

/// `io!(call)` in the blocking instantiation: the call itself.
macro_rules! io_blocking {
    ($call:expr) => {
        $call
    };
}

/// `io!(call)` in the async instantiation: the call, awaited.
#[cfg(feature = "async")]
macro_rules! io_async {
    ($call:expr) => {
        $call.await
    };
}

/// Emits the storage logic written inside it twice: a `blocking` module of plain
/// functions over [`BlockingDevice`], and (feature `async`) an `asynchronous` module of
/// `async fn`s over `AsyncBlockDevice` (see the [module documentation](self)).
///
/// ```text
/// maybe_async! {
///     // Optional: the logic of other files this block calls, in the same instantiation.
///     use { copies::{CopiesIo as _, sync, write_block} };
///
///     /// A function: `fn` / `async fn`; the device type parameter is `D: Device`.
///     pub(crate) async fn clear_block<D: Device>(device: &mut D, …) -> Result<…> {
///         io!(write_block(device, index, block))
///     }
///
///     /// Methods: the trait `JournalIo`, declared and implemented in each module.
///     impl JournalIo for Journal {
///         async fn append<D: Device>(&mut self, device: &mut D, …) -> Result<…> { … }
///     }
///
///     // Any other item (a helper generic over `Device`) is emitted as it is.
///     fn program_unit<D: Device>(device: &mut D) -> Option<usize> { … }
/// }
/// ```
///
/// Functions and methods take exactly one type parameter, `D: Device`, after any
/// lifetimes, and name their return type; impl blocks have no generics, one type
/// parameter with one bound, or one const parameter. Parameters of methods are plain
/// names (the trait declarations cannot have patterns), but for `mut self`.
macro_rules! maybe_async {
    // Items, one at a time, into the current module. `[$($asyncness)?]` is `[async]` or
    // `[]`.
    (@items $asyncness:tt) => {};
    // A function that reaches the device.
    (@items [$($asyncness:tt)?]
        $(#[$meta:meta])*
        $vis:vis async fn $name:ident <$($lifetime:lifetime ,)* $device:ident : Device>
            ($($params:tt)*) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        $vis $($asyncness)? fn $name<$($lifetime,)* $device: Device>($($params)*) -> $ret $body
        $crate::storage::maybe_async::maybe_async!(@items [$($asyncness)?] $($rest)*);
    };
    (@items $asyncness:tt $(#[$meta:meta])* $vis:vis async $($rest:tt)*) => {
        compile_error!(concat!(
            "maybe_async!: an async fn must be generic over `D: Device` after its ",
            "lifetimes, and name its return type"
        ));
    };
    // Methods: a trait per module.
    (@items $asyncness:tt
        $(#[$meta:meta])* impl $trait:ident for $type:ty { $($methods:tt)* }
        $($rest:tt)*
    ) => {
        $crate::storage::maybe_async::maybe_async!(
            @trait $asyncness [$(#[$meta])*] [] $trait [$type] [] [] $($methods)*
        );
        $crate::storage::maybe_async::maybe_async!(@items $asyncness $($rest)*);
    };
    (@items $asyncness:tt
        $(#[$meta:meta])* impl<const $param:ident : $param_type:ty> $trait:ident for $type:ty
            { $($methods:tt)* }
        $($rest:tt)*
    ) => {
        $crate::storage::maybe_async::maybe_async!(
            @trait $asyncness [$(#[$meta])*] [const $param: $param_type] $trait [$type] [] []
            $($methods)*
        );
        $crate::storage::maybe_async::maybe_async!(@items $asyncness $($rest)*);
    };
    (@items $asyncness:tt
        $(#[$meta:meta])* impl<$param:ident : $bound:path> $trait:ident for $type:ty
            { $($methods:tt)* }
        $($rest:tt)*
    ) => {
        $crate::storage::maybe_async::maybe_async!(
            @trait $asyncness [$(#[$meta])*] [$param: $bound] $trait [$type] [] []
            $($methods)*
        );
        $crate::storage::maybe_async::maybe_async!(@items $asyncness $($rest)*);
    };
    // Anything else, as it is.
    (@items $asyncness:tt $item:item $($rest:tt)*) => {
        $item
        $crate::storage::maybe_async::maybe_async!(@items $asyncness $($rest)*);
    };

    // The methods of an impl block, one at a time, into the trait's declarations and
    // definitions; then the trait and its impl.
    // `mut self`: a declaration cannot have patterns, so the `mut` goes in the definition
    // only.
    (@trait [$($asyncness:tt)?] $attributes:tt $generics:tt $trait:ident $type:tt
        [$($declarations:tt)*] [$($definitions:tt)*]
        $(#[$meta:meta])*
        async fn $name:ident <$($lifetime:lifetime ,)* $device:ident : Device>
            (mut $receiver:ident, $($params:tt)*) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::storage::maybe_async::maybe_async!(
            @trait [$($asyncness)?] $attributes $generics $trait $type
            [
                $($declarations)*
                $(#[$meta])*
                $($asyncness)? fn $name<$($lifetime,)* $device: Device>($receiver, $($params)*)
                    -> $ret;
            ]
            [
                $($definitions)*
                $(#[$meta])*
                $($asyncness)? fn $name<$($lifetime,)* $device: Device>(
                    mut $receiver, $($params)*
                ) -> $ret $body
            ]
            $($rest)*
        );
    };
    (@trait [$($asyncness:tt)?] $attributes:tt $generics:tt $trait:ident $type:tt
        [$($declarations:tt)*] [$($definitions:tt)*]
        $(#[$meta:meta])*
        async fn $name:ident <$($lifetime:lifetime ,)* $device:ident : Device>
            ($($params:tt)*) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::storage::maybe_async::maybe_async!(
            @trait [$($asyncness)?] $attributes $generics $trait $type
            [
                $($declarations)*
                $(#[$meta])*
                $($asyncness)? fn $name<$($lifetime,)* $device: Device>($($params)*) -> $ret;
            ]
            [
                $($definitions)*
                $(#[$meta])*
                $($asyncness)? fn $name<$($lifetime,)* $device: Device>($($params)*) -> $ret
                    $body
            ]
            $($rest)*
        );
    };
    (@trait $asyncness:tt $attributes:tt $generics:tt $trait:ident $type:tt
        [$($declarations:tt)*] [$($definitions:tt)*]
        $(#[$meta:meta])*
        fn $name:ident <$($lifetime:lifetime ,)* $device:ident : Device>
            ($($params:tt)*) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::storage::maybe_async::maybe_async!(
            @trait $asyncness $attributes $generics $trait $type
            [
                $($declarations)*
                $(#[$meta])*
                fn $name<$($lifetime,)* $device: Device>($($params)*) -> $ret;
            ]
            [
                $($definitions)*
                $(#[$meta])*
                fn $name<$($lifetime,)* $device: Device>($($params)*) -> $ret $body
            ]
            $($rest)*
        );
    };
    (@trait $asyncness:tt [$($attributes:tt)*] [$($generics:tt)*] $trait:ident [$type:ty]
        [$($declarations:tt)*] [$($definitions:tt)*]
    ) => {
        $($attributes)*
        #[allow(async_fn_in_trait)]
        pub(crate) trait $trait: Sized {
            $($declarations)*
        }

        impl<$($generics)*> $trait for $type {
            $($definitions)*
        }
    };
    (@trait $($rest:tt)*) => {
        compile_error!(concat!(
            "maybe_async!: a method must be `fn` or `async fn` generic over `D: Device` ",
            "after its lifetimes, and name its return type"
        ));
    };

    // The two modules.
    (@modules [$($file:ident :: { $($import:tt)* }),*] $($items:tt)*) => {
        /// The blocking instantiation of this file's storage logic: plain functions over
        /// every [`BlockDevice`](crate::storage::BlockDevice).
        pub(crate) mod blocking {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::storage::maybe_async::{BlockingDevice as Device, io_blocking as io};
            $(use $crate::storage::$file::blocking::{$($import)*};)*

            $crate::storage::maybe_async::maybe_async!(@items [] $($items)*);
        }

        /// The async instantiation of this file's storage logic: `async fn`s over every
        /// [`AsyncBlockDevice`](crate::storage::AsyncBlockDevice).
        #[cfg(feature = "async")]
        pub(crate) mod asynchronous {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::storage::{AsyncBlockDevice as Device, maybe_async::io_async as io};
            $(use $crate::storage::$file::asynchronous::{$($import)*};)*

            $crate::storage::maybe_async::maybe_async!(@items [async] $($items)*);
        }
    };
    (@ $($rest:tt)*) => {
        compile_error!("maybe_async!: an internal rule did not match");
    };

    // Entry: imports of other files' logic, then the items.
    (use { $($file:ident :: { $($import:tt)* }),* $(,)? }; $($items:tt)*) => {
        $crate::storage::maybe_async::maybe_async!(
            @modules [$($file :: { $($import)* }),*] $($items)*
        );
    };
    ($($items:tt)*) => {
        $crate::storage::maybe_async::maybe_async!(@modules [] $($items)*);
    };
}

#[cfg(feature = "async")]
pub(crate) use io_async;
pub(crate) use {io_blocking, maybe_async};
